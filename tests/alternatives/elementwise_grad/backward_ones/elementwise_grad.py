"""A correct elementwise_grad: backward() with a vector of ones on a detached leaf."""

import torch


def elementwise_grad(f, x):
    leaf = x.detach().requires_grad_()
    with torch.enable_grad():
        out = f(leaf)
    out.backward(gradient=torch.ones_like(out))
    return leaf.grad
