"""Mutant: right-shaped zeros, which only the meta device cannot tell from an answer."""

import torch


def elementwise_grad(f, x):
    return torch.zeros_like(x.detach())
