"""Mutant: differentiates in float64 and returns float64, whatever x's dtype."""

_reference_elementwise_grad = elementwise_grad


def elementwise_grad(f, x):
    return _reference_elementwise_grad(f, x.double())
