"""Cosine similarity: forgot to divide by the norm of y."""

import torch


def cosine_similarity(x, y):
    return torch.dot(x, y) / (torch.linalg.vector_norm(x) * torch.linalg.vector_norm(x))
