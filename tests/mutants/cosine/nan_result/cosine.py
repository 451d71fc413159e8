"""Mutant: NaN of the right shape, dtype and device, with a graph."""

import torch


def cosine_similarity(x, y):
    return torch.dot(x, y) * float("nan")
