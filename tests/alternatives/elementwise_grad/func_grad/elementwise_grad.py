"""A correct elementwise_grad: torch.func.grad of the sum of f (f is elementwise, so the
gradient of the sum is the diagonal of its Jacobian)."""

import torch


def elementwise_grad(f, x):
    return torch.func.grad(lambda t: f(t).sum())(x.detach())
