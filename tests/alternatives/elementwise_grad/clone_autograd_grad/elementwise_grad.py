"""A correct elementwise_grad: a clone of x (no detach) differentiated with torch.autograd.grad,
which touches no .grad (the caller's x included)."""

import torch


def elementwise_grad(f, x):
    xc = x.clone().requires_grad_()
    y = f(xc)
    return torch.autograd.grad(y, xc, torch.ones_like(y))[0]
