"""Mutant: adds an eps under the square root, which breaks small vectors."""

import torch


def cosine_similarity(x, y):
    return torch.dot(x, y) / torch.sqrt(torch.dot(x, x) * torch.dot(y, y) + 1e-8)
