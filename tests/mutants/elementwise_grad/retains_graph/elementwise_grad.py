"""Mutant: keeps the graph alive after the backward pass (retain_graph=True)."""

import torch


def elementwise_grad(f, x):
    point = x.detach().clone().requires_grad_(True)
    y = f(point)
    y.backward(torch.ones_like(y), retain_graph=True)
    return point.grad.detach()
