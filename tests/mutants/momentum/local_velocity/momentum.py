"""Mutant: computes the new velocity into a local name, so it is never kept (plain gradient descent)."""

import torch


@torch.no_grad()
def step(self):
    for p, v in zip(self.params, self.velocities):
        if p.grad is not None:
            v = self.momentum * v + p.grad
            p -= self.lr * v


MomentumGradientDescent.step = step
