"""Mutant: stops at the first param without a gradient (break instead of continue)."""

import torch


@torch.no_grad()
def step(self):
    for p, v in zip(self.params, self.velocities):
        if p.grad is None:
            break
        v.mul_(self.momentum).add_(p.grad)
        p -= self.lr * v


MomentumGradientDescent.step = step
