"""Mutant: moves the result to the CPU."""

_reference_elementwise_grad = elementwise_grad


def elementwise_grad(f, x):
    return _reference_elementwise_grad(f, x).cpu()
