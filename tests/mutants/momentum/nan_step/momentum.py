"""Mutant: step() fills every param and velocity with NaN, in place."""

import torch


@torch.no_grad()
def step(self):
    for p, v in zip(self.params, self.velocities):
        if p.grad is not None:
            v.fill_(float("nan"))
            p.fill_(float("nan"))


MomentumGradientDescent.step = step
