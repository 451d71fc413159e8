"""Mutant: returns float64 arrays (as a run in float64 would) instead of the lecture's float32."""

import numpy as np

_reference_gradient_descent = gradient_descent


def gradient_descent(objective, step_size=0.05, max_iter=100, init=0.0):
    theta, obj = _reference_gradient_descent(objective, step_size, max_iter, init)
    return theta.astype(np.float64), obj.astype(np.float64)
