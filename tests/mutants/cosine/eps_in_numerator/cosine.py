"""Mutant: adds an eps to the dot product (meant as a guard), which shifts small vectors' cosine."""

import torch


def cosine_similarity(x, y):
    return (torch.dot(x, y) + 1e-8) / (torch.linalg.vector_norm(x) * torch.linalg.vector_norm(y))
