"""Mutant: returns the gradient with its graph attached (create_graph=True, not detached)."""

import torch


def elementwise_grad(f, x):
    point = x.detach().clone().requires_grad_(True)
    y = f(point)
    (grad,) = torch.autograd.grad(y, point, torch.ones_like(y), create_graph=True)
    return grad
