"""Mutant: moves the result to the CPU."""

import torch
from torch import nn


def forward(self, x):
    p_sum = torch.sum(torch.pow(x, self.p), dim=0)
    return torch.pow(p_sum, 1 / self.p).cpu()


Norm.forward = forward
