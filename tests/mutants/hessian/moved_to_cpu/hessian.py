"""Mutant: moves H to the CPU."""

_reference_hessian = hessian


def hessian(f, w):
    return _reference_hessian(f, w).cpu()
