"""Mutant: the autograd backend calls backward() every step without zeroing w.grad."""

import torch
import torch.nn.functional as F


def _train_autograd(x, y, n_steps, lr, degree):  # every run, long ones too: no compiled loop
    w = torch.zeros(degree + 1, 1, dtype=x.dtype, device=x.device, requires_grad=True)
    w_data = w.detach()
    phi = dpoly_dw(x, w_data)
    trace = torch.empty(n_steps, dtype=x.dtype, device=x.device)
    for k in range(n_steps):
        mse = F.mse_loss(phi @ w, y)
        mse.backward()  # adds this step's gradient to those of all the steps before
        w_data.sub_(w.grad, alpha=lr)
        trace[k] = mse.detach()
    return w_data, trace
