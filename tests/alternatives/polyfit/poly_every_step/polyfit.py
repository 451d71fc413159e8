"""A correct polyfit that reuses its own functions every step, as the notebook does: poly
for the model and dpoly_dw for the gradient (the powers recomputed each step), the
exponents built with torch.arange on x's device; autograd by torch.autograd.grad."""

import time

import numpy as np
import torch


def dpoly_dw(x, w):
    if torch.is_tensor(x):
        return x ** torch.arange(w.shape[0], dtype=x.dtype, device=x.device)
    return x ** np.arange(w.shape[0], dtype=x.dtype)


def poly(x, w):
    return dpoly_dw(x, w) @ w


def _check(backend, device):
    if backend not in ("numpy", "torch", "autograd"):
        raise ValueError(f"backend should be numpy, torch or autograd, got {backend}")
    if backend == "numpy" and torch.device(device).type != "cpu":
        raise ValueError(f"the numpy backend cannot run on {device}")


def train(x, y, n_steps=200_000, lr=1e-5, degree=4, backend="numpy", device="cpu"):
    _check(backend, device)
    start = time.perf_counter()
    if backend == "numpy":
        x = np.asarray(x, dtype=np.float64).reshape(-1, 1)
        y = np.asarray(y, dtype=np.float64).reshape(-1, 1)
        w = np.zeros((degree + 1, 1))
        mse_trace = np.empty(n_steps)
        for step in range(n_steps):
            residual = y - poly(x, w)
            mse_trace[step] = np.mean(residual ** 2)
            w -= lr * (-2 / len(x) * dpoly_dw(x, w).T @ residual)
        return {"w": w, "mse_trace": mse_trace, "seconds": time.perf_counter() - start}
    dtype = x.dtype if torch.is_tensor(x) else torch.float32
    x = torch.as_tensor(x, dtype=dtype).to(device).reshape(-1, 1)
    y = torch.as_tensor(y, dtype=dtype).to(device).reshape(-1, 1)
    w = torch.zeros(degree + 1, 1, dtype=dtype, device=device)
    mse_trace = torch.empty(n_steps, dtype=dtype, device=device)
    for step in range(n_steps):
        if backend == "torch":
            residual = y - poly(x, w)
            mse_trace[step] = torch.mean(residual ** 2)
            w -= lr * (-2 / len(x) * dpoly_dw(x, w).T @ residual)
        else:
            w.requires_grad_(True)
            mse = torch.mean((y - poly(x, w)) ** 2)
            (grad,) = torch.autograd.grad(mse, w)
            w = (w - lr * grad).detach()
            mse_trace[step] = mse.detach()
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()
    return {"w": w, "mse_trace": mse_trace, "seconds": time.perf_counter() - start}
