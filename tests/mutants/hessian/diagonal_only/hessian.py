"""Mutant: keeps only the diagonal d^2 f / dw_i^2 (zeros elsewhere)."""

import torch

_reference_hessian = hessian


def hessian(f, w):
    return torch.diag(torch.diagonal(_reference_hessian(f, w)))
