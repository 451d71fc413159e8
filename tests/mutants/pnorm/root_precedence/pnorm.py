"""Mutant: writes s ** 1 / p, which is s / p, not the p-th root."""

import torch


def forward(self, x):
    return torch.sum(torch.pow(x, self.p), dim=0) ** 1 / self.p


Norm.forward = forward
