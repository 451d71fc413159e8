"""Mutant: ignores init and always starts from 0."""

_reference_gradient_descent = gradient_descent


def gradient_descent(objective, step_size=0.05, max_iter=100, init=0.0):
    return _reference_gradient_descent(objective, step_size, max_iter, 0.0)
