"""Mutant: differentiates the caller's x itself, changing its requires_grad and .grad."""

import torch


def elementwise_grad(f, x):
    x.requires_grad_(True)
    y = f(x)
    y.backward(torch.ones_like(y))
    return x.grad
