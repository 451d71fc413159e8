"""Mutant: X from torch.rand (uniform on [0, 1)), not standard normal."""

import torch


def generate_data(N, num_in=3):
    X = torch.rand(N, num_in)
    return X, torch.square(X).sum(dim=1).reshape(N, 1)
