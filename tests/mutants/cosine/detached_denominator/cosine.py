"""Mutant: detaches the norms, so no gradient flows through the denominator."""

import torch


def cosine_similarity(x, y):
    norms = (torch.linalg.vector_norm(x) * torch.linalg.vector_norm(y)).detach()
    return torch.dot(x, y) / norms
