"""A correct cosine similarity: normalise both vectors, then take their dot product."""

import torch


def cosine_similarity(x, y):
    return (x / torch.linalg.vector_norm(x)) @ (y / torch.linalg.vector_norm(y))
