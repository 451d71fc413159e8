"""A correct polyfit: poly by Horner's rule (np.polyval for numpy, the same loop over the
coefficients for torch), the autograd backend differentiating that Horner loop; the hand-
written backends use the powers from np.power / torch.pow."""

import time

import numpy as np
import torch


def dpoly_dw(x, w):
    n = len(w)
    if torch.is_tensor(x):
        return torch.pow(x.reshape(-1, 1), torch.arange(n, device=x.device).to(x.dtype))
    x = np.asarray(x)
    return np.power(x.reshape(-1, 1), np.arange(n)).astype(x.dtype)


def poly(x, w):
    if torch.is_tensor(x):
        out = torch.zeros_like(x)
        for c in reversed(w.reshape(-1)):
            out = out * x + c
        return out
    return np.polyval(np.asarray(w).ravel()[::-1], x)


def train(x, y, n_steps=200_000, lr=1e-5, degree=4, backend="numpy", device="cpu"):
    if backend not in ("numpy", "torch", "autograd"):
        raise ValueError(f"no backend called {backend!r}")
    if backend == "numpy" and device != "cpu":
        raise ValueError(f"numpy cannot use device {device!r}")
    start = time.perf_counter()
    if backend == "numpy":
        x = np.asarray(x, np.float64)
        y = np.asarray(y, np.float64)
        X = dpoly_dw(x, np.zeros(degree + 1))
        w = np.zeros((degree + 1, 1))
        losses = np.zeros(n_steps)
        for i in range(n_steps):
            diff = y - X @ w
            losses[i] = np.mean(np.square(diff))
            w += lr * 2.0 / len(y) * X.T @ diff
        return {"w": w, "mse_trace": losses, "seconds": time.perf_counter() - start}
    dtype = x.dtype if torch.is_tensor(x) and x.is_floating_point() else torch.float32
    x = torch.as_tensor(x).to(device=device, dtype=dtype)
    y = torch.as_tensor(y).to(device=device, dtype=dtype)
    w = torch.zeros((degree + 1, 1)).to(device=device, dtype=dtype)
    losses = torch.zeros(n_steps, device=device, dtype=dtype)
    if backend == "torch":
        X = dpoly_dw(x, w)
        with torch.no_grad():
            for i in range(n_steps):
                diff = y - X @ w
                losses[i] = torch.mean(torch.square(diff))
                w += lr * 2.0 / len(y) * X.T @ diff
    else:
        w.requires_grad_()
        for i in range(n_steps):
            loss = torch.mean(torch.square(poly(x, w) - y))
            loss.backward()
            with torch.no_grad():
                w -= lr * w.grad
                w.grad.zero_()
                losses[i] = loss
        w = w.detach()
    if x.is_cuda:
        torch.cuda.synchronize()
    return {"w": w, "mse_trace": losses, "seconds": time.perf_counter() - start}
