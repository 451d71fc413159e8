"""Mutant: returns the library's torch.autograd.functional.hessian (the oracle)."""

from torch.autograd.functional import hessian as library_hessian


def hessian(f, w):
    return library_hessian(f, w.detach())
