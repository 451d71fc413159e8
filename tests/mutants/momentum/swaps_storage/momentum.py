"""Mutant: assigns param.data, so the param gets a new storage."""

import torch


@torch.no_grad()
def step(self):
    for p, v in zip(self.params, self.velocities):
        if p.grad is not None:
            v.mul_(self.momentum).add_(p.grad)
            p.data = p.data - self.lr * v


MomentumGradientDescent.step = step
