"""Mutant: keeps only the upper triangle (j >= i) of H."""

import torch

_reference_hessian = hessian


def hessian(f, w):
    return torch.triu(_reference_hessian(f, w))
