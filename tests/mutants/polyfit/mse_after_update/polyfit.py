"""Mutant: mse_trace[k] is the MSE after step k's update, not before."""

import numpy as np
import torch


_reference_train = train


def train(x, y, n_steps=200_000, lr=1e-5, degree=4, backend="numpy", device="cpu"):
    out = _reference_train(x, y, n_steps, lr, degree, backend, device)
    if n_steps:
        w, trace = out["w"], out["mse_trace"]
        if backend == "numpy":
            x, y = (np.asarray(v, dtype=np.float64).reshape(-1, 1) for v in (x, y))
            out["mse_trace"] = np.append(trace[1:], np.mean((y - poly(x, w)) ** 2))
        else:
            x, y = _as_tensors(x, y, device)
            out["mse_trace"] = torch.cat([trace[1:], ((y - poly(x, w)) ** 2).mean()[None]])
    return out
