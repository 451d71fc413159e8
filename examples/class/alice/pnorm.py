"""Reference solution: the p-norm as a torch module whose p is a learnable parameter."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import Parameter


class Norm(nn.Module):
    """x -> (sum_i x_i^p)^(1/p) over dim 0, differentiable in x and in p (a Parameter)."""

    def __init__(self, p: float = 2.0):
        super().__init__()
        self.p = Parameter(torch.tensor([p], dtype=torch.float32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """As the exercises notebook writes it: shape (1,) for a vector, (B,) for n x B."""
        p_sum = torch.sum(torch.pow(x, self.p), dim=0)
        return torch.pow(p_sum, 1 / self.p)
