"""Mutant: the numpy backend returns mse_trace as a python list of floats."""

import numpy as np


def _train_numpy(x, y, n_steps, lr, degree):
    x = np.asarray(x, dtype=np.float64).reshape(-1, 1)
    y = np.asarray(y, dtype=np.float64).reshape(-1, 1)
    phi = dpoly_dw(x, np.zeros((degree + 1, 1)))
    w = np.zeros((degree + 1, 1))
    trace = []
    for _ in range(n_steps):
        r = y - phi @ w
        trace.append(float(np.mean(r ** 2)))
        w = w + (2 * lr / len(x)) * (phi.T @ r)
    return w, trace
