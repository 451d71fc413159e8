"""Mutant: makes the vector of ones with torch.ones(len(x)): CPU and float32, whatever x is."""

import torch


def elementwise_grad(f, x):
    point = x.detach().clone().requires_grad_(True)
    y = f(point)
    y.backward(torch.ones(len(x)))
    return point.grad
