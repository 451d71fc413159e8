"""Mutant: assigns through v[:] and p[:], which a 0-d param (a scalar) does not support."""

import torch


@torch.no_grad()
def step(self):
    for p, v in zip(self.params, self.velocities):
        if p.grad is not None:
            v[:] = self.momentum * v + p.grad
            p[:] = p - self.lr * v


MomentumGradientDescent.step = step
