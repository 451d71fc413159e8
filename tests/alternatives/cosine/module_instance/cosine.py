"""A correct cosine similarity: an nn.CosineSimilarity module built once, over dim 0."""

import torch

_COSINE = torch.nn.CosineSimilarity(dim=0)


def cosine_similarity(x, y):
    return _COSINE(x, y)
