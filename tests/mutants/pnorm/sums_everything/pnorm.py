"""Mutant: sums over every entry (no dim), so a batch of columns gives one norm."""

import torch


def forward(self, x):
    return torch.pow(torch.sum(torch.pow(x, self.p)), 1 / self.p)


Norm.forward = forward
