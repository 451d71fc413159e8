"""Mutant: takes the absolute value, so anti-colinear inputs give +1."""

import torch


def cosine_similarity(x, y):
    return torch.abs(torch.dot(x, y) / (x.norm() * y.norm()))
