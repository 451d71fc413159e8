"""Mutant: normalises x and y in place, which changes the caller's tensors (and fails on leaves)."""

import torch


def cosine_similarity(x, y):
    x /= torch.linalg.vector_norm(x)
    y /= torch.linalg.vector_norm(y)
    return torch.dot(x, y)
