"""Mutant: moves the result to the CPU."""

import torch


def cosine_similarity(x, y):
    return (torch.dot(x, y) / (x.norm() * y.norm())).cpu()
