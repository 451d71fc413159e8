"""ALTERNATIVE (correct) polyfit: np.vander / torch.linalg.vander and the seed's plain loops.

Written differently from the reference on purpose (no residual buffer, seed-style loops,
backward() + zero_grad for autograd); the spec suite must give it every point.
"""

from __future__ import annotations

import time

import numpy as np
import torch


def dpoly_dw(x, w):
    n_coeffs = w.shape[0]
    if isinstance(x, torch.Tensor):
        return torch.linalg.vander(x.reshape(-1), N=n_coeffs)
    x = np.asarray(x)
    return np.vander(x.reshape(-1), n_coeffs, increasing=True).astype(x.dtype, copy=False)


def poly(x, w):
    return dpoly_dw(x, w) @ w


def train(x, y, n_steps=200_000, lr=1e-5, degree=4, backend="numpy", device="cpu"):
    if backend not in ("numpy", "torch", "autograd"):
        raise ValueError(f"backend must be numpy, torch or autograd, not {backend}")
    if backend == "numpy" and str(device) != "cpu":
        raise ValueError(f"numpy runs on the cpu only, not {device}")
    start = time.time()
    if backend == "numpy":
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        phi = np.vander(x.ravel(), degree + 1, increasing=True)
        w = np.zeros((degree + 1, 1))
        mse_trace = np.zeros(n_steps)
        for step in range(n_steps):
            y_model = phi @ w
            grad = -2 / len(x) * phi.T @ (y - y_model)
            w -= lr * grad
            mse_trace[step] = ((y - y_model) ** 2).mean()
        return {"w": w, "mse_trace": mse_trace, "seconds": time.time() - start}
    dtype = x.dtype if isinstance(x, torch.Tensor) and x.is_floating_point() else torch.float32
    x = torch.as_tensor(x).to(device=device, dtype=dtype)
    y = torch.as_tensor(y).to(device=device, dtype=dtype)
    phi = torch.linalg.vander(x.reshape(-1), N=degree + 1)
    w = torch.zeros(degree + 1, 1, dtype=dtype, device=device,
                    requires_grad=backend == "autograd")
    mse_trace = torch.zeros(n_steps, dtype=dtype, device=device)
    for step in range(n_steps):
        y_model = phi.mm(w)
        mse = ((y - y_model) ** 2).mean()
        if backend == "autograd":
            if w.grad is not None:
                w.grad.zero_()
            mse.backward()
            with torch.no_grad():
                w -= lr * w.grad
        else:
            grad = -2 / len(x) * phi.t().mm(y - y_model)
            w -= lr * grad
        mse_trace[step] = mse.detach()
    if device == "cuda":
        torch.cuda.synchronize()
    return {"w": w.detach(), "mse_trace": mse_trace, "seconds": time.time() - start}
