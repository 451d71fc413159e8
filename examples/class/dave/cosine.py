"""Cosine similarity, with a self-check left at module level that never ends."""

import torch


def cosine_similarity(x, y):
    return torch.dot(x, y) / (torch.linalg.vector_norm(x) * torch.linalg.vector_norm(y))


# quick check while developing, left in by mistake: `converged` is never set, so importing
# this module loops forever
converged = False
probe = torch.ones(3)
while not converged:
    value = cosine_similarity(probe, probe)
