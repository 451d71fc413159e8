"""ALTERNATIVE (correct) polyfit: torch.optim.SGD for autograd, einsum/mv shapes elsewhere.

The same recurrence as the reference, written with other tools; the spec suite must give it
every point.
"""

from __future__ import annotations

import time

import numpy as np
import torch

BACKENDS = {"numpy", "torch", "autograd"}


def dpoly_dw(x, w):
    d = len(w)
    if torch.is_tensor(x):
        powers = [torch.ones_like(x.reshape(-1))]
        for _ in range(1, d):
            powers.append(powers[-1] * x.reshape(-1))
        return torch.stack(powers, dim=1)
    return np.power.outer(np.asarray(x).reshape(-1), np.arange(d)).astype(np.asarray(x).dtype)


def poly(x, w):
    return dpoly_dw(x, w) @ w


def _sync(device):
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def train(x, y, n_steps=200_000, lr=1e-5, degree=4, backend="numpy", device="cpu"):
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend: {backend!r}")
    if backend == "numpy" and torch.device(device).type != "cpu":
        raise ValueError("the numpy backend only runs on cpu")
    t0 = time.perf_counter()
    if backend == "numpy":
        xv = np.asarray(x, dtype=np.float64).reshape(-1)
        yv = np.asarray(y, dtype=np.float64).reshape(-1)
        phi = np.power.outer(xv, np.arange(degree + 1.0))
        w = np.zeros(degree + 1)
        trace = np.empty(n_steps)
        for k in range(n_steps):
            r = yv - phi @ w
            trace[k] = np.einsum("i,i->", r, r) / len(r)
            w = w + lr * (2.0 / len(r)) * np.einsum("ij,i->j", phi, r)
        return {"w": w.reshape(-1, 1), "mse_trace": trace, "seconds": time.perf_counter() - t0}
    dtype = x.dtype if torch.is_tensor(x) and x.dtype.is_floating_point else torch.float32
    xv = torch.as_tensor(x).to(device, dtype).reshape(-1)
    yv = torch.as_tensor(y).to(device, dtype).reshape(-1)
    phi = dpoly_dw(xv, torch.zeros(degree + 1))
    losses = []
    if backend == "autograd":
        w = torch.zeros(degree + 1, dtype=dtype, device=device, requires_grad=True)
        opt = torch.optim.SGD([w], lr=lr)
        for _ in range(n_steps):
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(torch.mv(phi, w), yv)
            loss.backward()
            opt.step()
            losses.append(loss.detach())
        w = w.detach()
    else:
        w = torch.zeros(degree + 1, dtype=dtype, device=device)
        with torch.no_grad():
            for _ in range(n_steps):
                r = yv - torch.mv(phi, w)
                losses.append(torch.dot(r, r) / r.numel())
                w += (2.0 * lr / r.numel()) * torch.mv(phi.t(), r)
    trace = torch.stack(losses) if losses else torch.zeros(0, dtype=dtype, device=device)
    _sync(device)
    return {"w": w.reshape(-1, 1), "mse_trace": trace, "seconds": time.perf_counter() - t0}
