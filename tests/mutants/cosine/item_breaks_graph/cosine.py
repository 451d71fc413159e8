"""Mutant: .item() breaks the autograd graph."""

import torch


def cosine_similarity(x, y):
    value = torch.dot(x, y) / (x.norm() * y.norm())
    return torch.tensor(value.item(), dtype=x.dtype, device=x.device)
