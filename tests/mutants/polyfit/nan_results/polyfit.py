"""Mutant: every function returns NaN of the right shape, dtype and device, at once."""

import numpy as np

_reference_dpoly_dw, _reference_train = dpoly_dw, train


def dpoly_dw(x, w):  # poly(x, w) = dpoly_dw(x, w) @ w is NaN too
    return _reference_dpoly_dw(x, w) * float("nan")


def train(x, y, n_steps=200_000, lr=1e-5, degree=4, backend="numpy", device="cpu"):
    w = _reference_train(x, y, 0, lr, degree, backend, device)["w"]  # checks the arguments
    trace = np.full(n_steps, np.nan) if backend == "numpy" else w.new_full((n_steps,), np.nan)
    return {"w": w * np.nan, "mse_trace": trace, "seconds": 0.0}
