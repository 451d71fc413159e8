"""Mutant: gradient ascent, theta += step_size * grad (descent on minus the objective)."""

_reference_gradient_descent = gradient_descent


def gradient_descent(objective, step_size=0.05, max_iter=100, init=0.0):
    theta, minus_obj = _reference_gradient_descent(lambda t: -objective(t), step_size,
                                                   max_iter, init)
    return theta, -minus_obj
