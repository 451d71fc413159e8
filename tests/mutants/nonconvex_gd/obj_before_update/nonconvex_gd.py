"""Mutant: records the objective computed before each update (obj_arr lags one step)."""

import numpy as np

_reference_gradient_descent = gradient_descent


def gradient_descent(objective, step_size=0.05, max_iter=100, init=0.0):
    theta, obj = _reference_gradient_descent(objective, step_size, max_iter, init)
    return theta, np.concatenate([obj[:1], obj[:-1]])
