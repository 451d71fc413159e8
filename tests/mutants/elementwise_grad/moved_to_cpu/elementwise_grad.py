"""Mutant: moves the result to the CPU."""

import torch


def elementwise_grad(f, x):
    point = x.detach().clone().requires_grad_(True)
    y = f(point)
    y.backward(torch.ones_like(y))
    return point.grad.detach().cpu()
