"""Exercise: the p-norm as a torch module, differentiable in its parameter p.

Write ``Norm`` so that ``pytest`` passes (see ``spec_tests/test_pnorm.py``).
"""

from __future__ import annotations

import torch
from torch import nn


class Norm(nn.Module):
    """The p-norm of x with a learnable p: ``Norm(p=3.)(x) = (sum_i x_i^3)^(1/3)``.

    ``__init__(p=2.0)`` stores ``p`` as a ``torch.nn.Parameter`` of shape (1,) and dtype
    float32, so that ``backward()`` fills ``norm.p.grad`` and ``norm.to(device)`` moves it.
    ``forward(x)`` computes ``(sum over dim 0 of x^p)^(1/p)`` with torch operations only, as
    the notebook writes it (``torch.pow(x, self.p)``, ``torch.sum(..., dim=0)``): the result
    has shape (1,) for a vector x (p has shape (1,)) and (B,) for an n x B batch of columns.
    The inputs x have positive entries.
    """

    def __init__(self, p: float = 2.0):
        super().__init__()
        raise NotImplementedError("TODO: store p as a Parameter of shape (1,), float32")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("TODO: return (sum over dim 0 of x^p)^(1/p)")
