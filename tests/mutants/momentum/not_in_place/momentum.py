"""Mutant: rebinds a local name instead of updating the param in place."""

import torch


@torch.no_grad()
def step(self):
    for p, v in zip(self.params, self.velocities):
        if p.grad is not None:
            v.mul_(self.momentum).add_(p.grad)
            p = p - self.lr * v


MomentumGradientDescent.step = step
