"""Mutant: step() moves every param by 1e6, where the objective is flat: it "converges"."""

import torch


@torch.no_grad()
def step(self):
    for p in self.params:
        if p.grad is not None:
            p.add_(1e6)


MomentumGradientDescent.step = step
