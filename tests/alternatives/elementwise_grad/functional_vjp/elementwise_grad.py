"""A correct elementwise_grad: torch.autograd.functional.vjp with a vector of ones."""

import torch
from torch.autograd.functional import vjp


def elementwise_grad(f, x):
    point = x.detach()
    _, grad = vjp(f, point, torch.ones_like(point))
    return grad
