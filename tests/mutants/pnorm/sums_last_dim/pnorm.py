"""Mutant: sums over the last dim instead of dim 0 (right for a vector only)."""

import torch
from torch import nn


def forward(self, x):
    p_sum = torch.sum(torch.pow(x, self.p), dim=-1)
    return torch.pow(p_sum, 1 / self.p)


Norm.forward = forward
