"""Mutant: squeezes the result, so a vector's norm has shape () instead of (1,)."""

import torch


def forward(self, x):
    return torch.pow(torch.sum(torch.pow(x, self.p), dim=0), 1 / self.p).squeeze()


Norm.forward = forward
