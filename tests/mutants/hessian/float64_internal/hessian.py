"""Mutant: computes in float64 and returns float64, whatever w's dtype."""

_reference_hessian = hessian


def hessian(f, w):
    return _reference_hessian(f, w.double())
