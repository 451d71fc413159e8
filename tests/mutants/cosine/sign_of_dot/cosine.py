"""Mutant: the sign of the dot product: right only for colinear inputs."""

import torch


def cosine_similarity(x, y):
    return torch.sign(torch.dot(x, y))
