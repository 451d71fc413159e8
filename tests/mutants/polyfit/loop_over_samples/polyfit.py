"""Mutant: the autograd backend builds the model output with a python loop over samples."""

import torch
import torch.nn.functional as F


def _train_autograd(x, y, n_steps, lr, degree):  # every run, long ones too: no compiled loop
    w = torch.zeros(degree + 1, 1, dtype=x.dtype, device=x.device, requires_grad=True)
    phi = dpoly_dw(x, w.detach())
    trace = torch.empty(n_steps, dtype=x.dtype, device=x.device)
    for k in range(n_steps):
        y_model = torch.stack([(phi[i] * w[:, 0]).sum() for i in range(len(phi))])
        mse = F.mse_loss(y_model.reshape(-1, 1), y)
        (grad,) = torch.autograd.grad(mse, w)
        with torch.no_grad():
            w -= lr * grad
        trace[k] = mse.detach()
    return w.detach(), trace
