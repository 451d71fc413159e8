"""A correct elementwise_grad: differentiated in float64 for accuracy, returned in x's dtype."""

import torch


def elementwise_grad(f, x):
    leaf = x.detach().to(torch.float64).requires_grad_()
    y = f(leaf)
    y.backward(torch.ones_like(y))
    return leaf.grad.to(x.dtype)
