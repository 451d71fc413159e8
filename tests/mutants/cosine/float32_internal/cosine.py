"""Mutant: computes in float32 and casts back, losing float64 precision."""

import torch


def cosine_similarity(x, y):
    xf, yf = x.float(), y.float()
    return (torch.dot(xf, yf) / (xf.norm() * yf.norm())).to(x.dtype)
