"""Mutant: forgets to skip params whose .grad is None."""

import torch


@torch.no_grad()
def step(self):
    for p, v in zip(self.params, self.velocities):
        v.mul_(self.momentum).add_(p.grad)
        p -= self.lr * v


MomentumGradientDescent.step = step
