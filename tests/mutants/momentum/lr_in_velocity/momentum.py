"""Mutant: puts lr inside the velocity: v <- m v + lr g, p <- p - v."""

import torch


@torch.no_grad()
def step(self):
    for p, v in zip(self.params, self.velocities):
        if p.grad is not None:
            v.mul_(self.momentum).add_(self.lr * p.grad)
            p -= v


MomentumGradientDescent.step = step
