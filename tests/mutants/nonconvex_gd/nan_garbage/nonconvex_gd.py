"""Mutant: garbage of the right length and dtype: NaN everywhere."""

import numpy as np


def gradient_descent(objective, step_size=0.05, max_iter=100, init=0.0):
    garbage = np.full(max_iter + 1, np.nan, dtype=np.float32)
    return garbage, garbage.copy()
