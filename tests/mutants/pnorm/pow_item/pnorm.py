"""Mutant: raises x to p.item(), so p's gradient misses the power's part."""

import torch


def forward(self, x):
    return torch.pow(torch.sum(torch.pow(x, self.p.item()), dim=0), 1 / self.p)


Norm.forward = forward
