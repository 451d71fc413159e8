"""A correct cosine similarity: the denominator clamped away from 0 (never reached by
non-zero vectors of ordinary scale), as careful code guards a division."""

import torch


def cosine_similarity(x, y):
    denominator = torch.linalg.vector_norm(x) * torch.linalg.vector_norm(y)
    return torch.sum(x * y) / torch.clamp(denominator, min=1e-30)
