"""Mutant: torch.linalg.vector_norm(x, ord=float(p)): right values, no gradient in p."""

import torch
from torch import nn


def forward(self, x):
    return torch.linalg.vector_norm(x, ord=float(self.p), dim=0).reshape(-1)


Norm.forward = forward
