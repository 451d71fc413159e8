"""Mutant: the autograd backend calls torch.optim.SGD's step() and also updates w by hand,
so lr is applied twice a step."""

import torch
import torch.nn.functional as F


def _train_autograd(x, y, n_steps, lr, degree):
    w = torch.zeros(degree + 1, 1, dtype=x.dtype, device=x.device, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=lr)
    phi = dpoly_dw(x, w.detach())
    trace = torch.empty(n_steps, dtype=x.dtype, device=x.device)
    for k in range(n_steps):
        optimizer.zero_grad()
        mse = F.mse_loss(phi @ w, y)
        mse.backward()
        optimizer.step()
        with torch.no_grad():
            w -= lr * w.grad
        trace[k] = mse.detach()
    return w.detach(), trace
