"""Mutant: takes the 1/p root with p.item(), cutting that path of the gradient in p."""

import torch
from torch import nn


def forward(self, x):
    p_sum = torch.sum(torch.pow(x, self.p), dim=0)
    return torch.pow(p_sum, 1 / self.p.item())


Norm.forward = forward
