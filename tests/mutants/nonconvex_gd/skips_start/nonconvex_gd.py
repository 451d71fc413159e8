"""Mutant: records only the iterates after each update, not the start."""

_reference_gradient_descent = gradient_descent


def gradient_descent(objective, step_size=0.05, max_iter=100, init=0.0):
    theta, obj = _reference_gradient_descent(objective, step_size, max_iter, init)
    return theta[1:], obj[1:]
