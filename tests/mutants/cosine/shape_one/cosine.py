"""Mutant: returns shape (1,) instead of a 0-d tensor."""

import torch


def cosine_similarity(x, y):
    dot = torch.sum(x * y, dim=0, keepdim=True)
    return dot / (x.norm() * y.norm())
