"""A correct cosine similarity: a 1 x n row times an n x 1 column, squeezed to 0-d."""

import torch


def cosine_similarity(x, y):
    dot = (x.unsqueeze(0) @ y.unsqueeze(1)).squeeze()
    return dot / (torch.linalg.norm(x) * torch.linalg.norm(y))
