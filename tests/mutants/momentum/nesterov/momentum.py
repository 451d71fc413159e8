"""Mutant: applies Nesterov's look-ahead: p <- p - lr (g + m v)."""

import torch


@torch.no_grad()
def step(self):
    for p, v in zip(self.params, self.velocities):
        if p.grad is not None:
            v.mul_(self.momentum).add_(p.grad)
            p -= self.lr * (p.grad + self.momentum * v)


MomentumGradientDescent.step = step
