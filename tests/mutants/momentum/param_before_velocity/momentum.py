"""Mutant: updates the param with the old velocity, then the velocity."""

import torch


@torch.no_grad()
def step(self):
    for p, v in zip(self.params, self.velocities):
        if p.grad is not None:
            p -= self.lr * v
            v.mul_(self.momentum).add_(p.grad)


MomentumGradientDescent.step = step
