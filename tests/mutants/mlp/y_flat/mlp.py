"""Mutant: y of shape (N,), which broadcasts to N x N against the model's N x 1 output."""

import torch


def generate_data(N, num_in=3):
    X = torch.randn(N, num_in)
    return X, torch.square(X).sum(dim=1)
