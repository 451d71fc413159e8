"""A correct cosine similarity: computed in float64 for accuracy, returned in x's dtype."""

import torch


def cosine_similarity(x, y):
    xd, yd = x.to(torch.float64), y.to(torch.float64)
    value = torch.dot(xd, yd) / (torch.linalg.norm(xd) * torch.linalg.norm(yd))
    return value.to(x.dtype)
