"""Mutant: replaces each velocity by a new tensor every step instead of updating it in place."""

import torch


@torch.no_grad()
def step(self):
    for i, p in enumerate(self.params):
        if p.grad is not None:
            self.velocities[i] = self.momentum * self.velocities[i] + p.grad
            p -= self.lr * self.velocities[i]


MomentumGradientDescent.step = step
