"""Mutant: the mean of x^p instead of its sum."""

import torch
from torch import nn


def forward(self, x):
    return torch.pow(torch.mean(torch.pow(x, self.p), dim=0), 1 / self.p)


Norm.forward = forward
