"""A correct polyfit: powers by broadcasting x[:, None] against the exponents, flat w and x
inside train (reshaped to a column at the end), numpy MSEs collected in a list, tensors moved
with .to(device) after they are made, and the seed's autograd idiom (backward, then .data
updates and w.grad.data.zero_())."""

import time

import numpy as np
import torch


def dpoly_dw(x, w):
    degree = len(w) - 1
    if isinstance(x, torch.Tensor):
        exps = torch.arange(degree + 1).to(device=x.device, dtype=x.dtype)
        return x.flatten()[:, None] ** exps
    return x.flatten()[:, None] ** np.arange(degree + 1).astype(x.dtype)


def poly(x, w):
    return dpoly_dw(x, w) @ w


def train(x, y, n_steps=200_000, lr=1e-5, degree=4, backend="numpy", device="cpu"):
    if backend not in {"numpy", "torch", "autograd"}:
        raise ValueError(backend)
    if backend == "numpy" and device != "cpu":
        raise ValueError(device)
    tic = time.perf_counter()
    if backend == "numpy":
        xs = np.asarray(x, dtype=float).flatten()
        ys = np.asarray(y, dtype=float).flatten()
        A = xs[:, None] ** np.arange(degree + 1.0)
        w = np.zeros(degree + 1)
        trace = []
        for _ in range(n_steps):
            r = ys - A @ w
            trace.append(r @ r / len(ys))
            w += lr * 2 / len(ys) * (A.T @ r)
        return {"w": w.reshape(-1, 1), "mse_trace": np.array(trace),
                "seconds": time.perf_counter() - tic}
    if torch.is_tensor(x) and torch.is_floating_point(x):
        xs, ys = x.flatten(), y.flatten()
    else:
        xs = torch.from_numpy(np.asarray(x)).float().flatten()
        ys = torch.from_numpy(np.asarray(y)).float().flatten()
    xs, ys = xs.to(device), ys.to(device)
    A = dpoly_dw(xs, torch.zeros(degree + 1))
    w = torch.zeros(degree + 1, dtype=xs.dtype).to(device)
    trace = torch.zeros(n_steps, dtype=xs.dtype).to(device)
    if backend == "autograd":
        w.requires_grad = True
    for k in range(n_steps):
        r = ys - A @ w
        mse = (r ** 2).mean()
        if backend == "autograd":
            mse.backward()
            w.data -= lr * w.grad.data
            w.grad.data.zero_()
        else:
            w += lr * 2 / len(ys) * (A.T @ r)
        trace[k] = mse.data
    if xs.device.type == "cuda":
        torch.cuda.synchronize()
    return {"w": w.detach().reshape(-1, 1), "mse_trace": trace,
            "seconds": time.perf_counter() - tic}
