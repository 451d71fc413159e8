"""Mutant: mse_trace has n_steps + 1 entries (the final MSE appended)."""

import numpy as np
import torch


_reference_train = train


def train(x, y, n_steps=200_000, lr=1e-5, degree=4, backend="numpy", device="cpu"):
    out = _reference_train(x, y, n_steps, lr, degree, backend, device)
    trace = out["mse_trace"]
    if isinstance(trace, np.ndarray):
        out["mse_trace"] = np.append(trace, trace[-1:])
    else:
        out["mse_trace"] = torch.cat([trace, trace[-1:]])
    return out
