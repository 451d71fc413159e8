"""Mutant: differentiates in float64 and returns float64, whatever x's dtype."""

import torch


def elementwise_grad(f, x):
    point = x.detach().double().requires_grad_(True)
    y = f(point)
    y.backward(torch.ones_like(y))
    return point.grad.detach()
