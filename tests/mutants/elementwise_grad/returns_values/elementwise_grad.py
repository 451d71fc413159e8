"""Mutant: returns f(x), the function's values, instead of its derivative."""

import torch


def elementwise_grad(f, x):
    with torch.no_grad():
        return f(x.detach())
