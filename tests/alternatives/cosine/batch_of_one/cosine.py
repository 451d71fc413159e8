"""A correct cosine similarity: F.cosine_similarity on a batch of one row, its one entry taken."""

import torch.nn.functional as F


def cosine_similarity(x, y):
    return F.cosine_similarity(x[None, :], y[None, :])[0]
