"""Mutant: right-shaped zeros; every backend returns the same untrained w = 0 and its MSE."""

import numpy as np
import torch

_reference_dpoly_dw, _reference_train = dpoly_dw, train


def dpoly_dw(x, w):
    return _reference_dpoly_dw(x, w) * 0


def train(x, y, n_steps=200_000, lr=1e-5, degree=4, backend="numpy", device="cpu"):
    w = _reference_train(x, y, 0, lr, degree, backend, device)["w"]  # checks the arguments
    mse = float((torch.as_tensor(y, dtype=torch.float64) ** 2).mean())  # of w = 0, forever
    trace = np.full(n_steps, mse) if backend == "numpy" else w.new_full((n_steps,), mse)
    return {"w": w, "mse_trace": trace, "seconds": 0.0}
