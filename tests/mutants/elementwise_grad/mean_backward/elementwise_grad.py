"""Mutant: backward through the mean of f(x): every derivative divided by len(x)."""

import torch


def elementwise_grad(f, x):
    point = x.detach().clone().requires_grad_(True)
    f(point).mean().backward()
    return point.grad.detach()
