"""Mutant: divides by the squared norms."""

import torch


def cosine_similarity(x, y):
    return torch.dot(x, y) / (torch.dot(x, x) * torch.dot(y, y))
