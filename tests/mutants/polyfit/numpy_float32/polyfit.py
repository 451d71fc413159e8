"""Mutant: the numpy backend casts the data to float32 (like the torch default)."""

import numpy as np


def _train_numpy(x, y, n_steps, lr, degree):
    x = np.asarray(x, dtype=np.float32).reshape(-1, 1)
    y = np.asarray(y, dtype=np.float32).reshape(-1, 1)
    phi = dpoly_dw(x, np.zeros((degree + 1, 1), dtype=np.float32))
    w = np.zeros((degree + 1, 1), dtype=np.float32)
    trace = np.empty(n_steps, dtype=np.float32)
    for k in range(n_steps):
        r = y - phi @ w
        trace[k] = np.mean(r ** 2)
        w = w + np.float32(2 * lr / len(x)) * (phi.T @ r)
    return w, trace
