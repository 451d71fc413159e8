"""Mutant: always 0, with a graph: symmetric, scale-invariant, agrees with its own gradient."""

import torch


def cosine_similarity(x, y):
    return torch.dot(x, y) * 0.0
