"""Mutant: squeezes H, so a function of one variable gets a 0-d tensor, not a 1 x 1 matrix."""

_reference_hessian = hessian


def hessian(f, w):
    return _reference_hessian(f, w).squeeze()
