"""Mutant: w = torch.zeros(..., requires_grad=True).to(device): off the CPU w is not a leaf,
so backward() leaves w.grad None there."""

import torch
import torch.nn.functional as F


def _train_autograd(x, y, n_steps, lr, degree):
    w = torch.zeros(degree + 1, 1, dtype=x.dtype, requires_grad=True).to(x.device)
    phi = dpoly_dw(x, w.detach())
    trace = torch.empty(n_steps, dtype=x.dtype, device=x.device)
    for k in range(n_steps):
        mse = F.mse_loss(phi @ w, y)
        mse.backward()
        with torch.no_grad():
            w -= lr * w.grad
            w.grad.zero_()
        trace[k] = mse.detach()
    return w.detach(), trace
