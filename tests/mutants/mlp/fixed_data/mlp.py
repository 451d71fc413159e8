"""Mutant: draws from a private generator seeded the same way on every call."""

import torch


def generate_data(N, num_in=3):
    X = torch.randn(N, num_in, generator=torch.Generator().manual_seed(0))
    return X, torch.square(X).sum(dim=1).reshape(N, 1)
