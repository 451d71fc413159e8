"""Mutant: returns a python float."""

import torch


def cosine_similarity(x, y):
    return float(torch.dot(x, y) / (x.norm() * y.norm()))
