"""Mutant: other defaults than the lecture's (step_size=0.1, max_iter=50)."""

_reference_gradient_descent = gradient_descent


def gradient_descent(objective, step_size=0.1, max_iter=50, init=0.0):
    return _reference_gradient_descent(objective, step_size, max_iter, init)
