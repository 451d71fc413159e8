"""A correct polyfit: the powers as columns of an explicit loop (np.column_stack /
torch.cat), the gradient written as (2/N) Phi^T (Phi w - y), w rebound (not in place) every
step, and autograd with w.grad reset to None."""

import time

import numpy as np
import torch


def dpoly_dw(x, w):
    if isinstance(x, torch.Tensor):
        return torch.cat([x.reshape(-1, 1) ** i for i in range(len(w))], dim=1)
    x = np.asarray(x)
    return np.column_stack([x.reshape(-1) ** i for i in range(len(w))])


def poly(x, w):
    return dpoly_dw(x, w) @ w


def train(x, y, n_steps=200_000, lr=1e-5, degree=4, backend="numpy", device="cpu"):
    if backend not in ["numpy", "torch", "autograd"]:
        raise ValueError("unknown backend " + str(backend))
    if backend == "numpy" and device != "cpu":
        raise ValueError("numpy only works on the cpu")
    t0 = time.perf_counter()
    if backend == "numpy":
        x = np.array(x, dtype=np.float64)
        y = np.array(y, dtype=np.float64)
        N = x.shape[0]
        Phi = dpoly_dw(x, np.zeros(degree + 1))
        w = np.zeros((degree + 1, 1))
        mse_trace = np.zeros(n_steps)
        for k in range(n_steps):
            err = Phi @ w - y
            mse_trace[k] = np.mean(err ** 2)
            w = w - lr * (2 / N) * (Phi.T @ err)
        return {"w": w, "mse_trace": mse_trace, "seconds": time.perf_counter() - t0}
    if isinstance(x, torch.Tensor):
        x, y = x.to(device), y.to(device)
    else:
        x = torch.tensor(x, dtype=torch.float32, device=device)
        y = torch.tensor(y, dtype=torch.float32, device=device)
    N = x.shape[0]
    Phi = dpoly_dw(x, range(degree + 1))
    mse_trace = torch.zeros(n_steps, dtype=x.dtype, device=device)
    if backend == "torch":
        w = torch.zeros(degree + 1, 1, dtype=x.dtype, device=device)
        for k in range(n_steps):
            err = Phi @ w - y
            mse_trace[k] = torch.mean(err ** 2)
            w = w - lr * (2 / N) * (Phi.T @ err)
    else:
        w = torch.zeros(degree + 1, 1, dtype=x.dtype, device=device, requires_grad=True)
        for k in range(n_steps):
            w.grad = None
            loss = torch.mean((Phi @ w - y) ** 2)
            loss.backward()
            with torch.no_grad():
                w -= lr * w.grad
            mse_trace[k] = loss.detach()
        w = w.detach()
    if device == "cuda":
        torch.cuda.synchronize()
    return {"w": w, "mse_trace": mse_trace, "seconds": time.perf_counter() - t0}
