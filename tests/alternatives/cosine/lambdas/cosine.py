"""A correct cosine similarity written with lambdas: norm(v) = sqrt(v @ v)."""

import torch

norm = lambda v: torch.sqrt(v @ v)
cosine_similarity = lambda x, y: (x @ y) / (norm(x) * norm(y))
