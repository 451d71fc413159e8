"""Mutant: right-shaped zeros (attached to x and p), which meta alone cannot tell apart."""

import torch
from torch import nn


def forward(self, x):
    return torch.sum(x, dim=0) * self.p * 0


Norm.forward = forward
