"""Mutant: garbage of the right shape, dtype and device: NaN, still attached to x and p."""

import torch
from torch import nn


def forward(self, x):
    shaped = torch.sum(x, dim=0) * self.p
    return shaped * float("nan")


Norm.forward = forward
