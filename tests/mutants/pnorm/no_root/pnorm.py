"""Mutant: returns sum x^p, forgetting the 1/p-th root."""

import torch
from torch import nn


def forward(self, x):
    return torch.sum(torch.pow(x, self.p), dim=0)


Norm.forward = forward
