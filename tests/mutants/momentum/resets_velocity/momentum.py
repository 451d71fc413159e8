"""Mutant: starts every step from a zero velocity (plain gradient descent)."""

import torch


@torch.no_grad()
def step(self):
    for p, v in zip(self.params, self.velocities):
        if p.grad is not None:
            v.zero_().add_(p.grad)
            p -= self.lr * v


MomentumGradientDescent.step = step
