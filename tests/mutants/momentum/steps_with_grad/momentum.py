"""Mutant: updates the velocity but steps the param with the raw gradient."""

import torch


@torch.no_grad()
def step(self):
    for p, v in zip(self.params, self.velocities):
        if p.grad is not None:
            v.mul_(self.momentum).add_(p.grad)
            p -= self.lr * p.grad


MomentumGradientDescent.step = step
