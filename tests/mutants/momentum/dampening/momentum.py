"""Mutant: dampens the gradient: v <- m v + (1 - m) g."""

import torch


@torch.no_grad()
def step(self):
    for p, v in zip(self.params, self.velocities):
        if p.grad is not None:
            v.mul_(self.momentum).add_((1 - self.momentum) * p.grad)
            p -= self.lr * v


MomentumGradientDescent.step = step
