"""Mutant: detaches its inputs, so no gradient flows."""

import torch


def cosine_similarity(x, y):
    x, y = x.detach(), y.detach()
    return torch.dot(x, y) / (x.norm() * y.norm())
