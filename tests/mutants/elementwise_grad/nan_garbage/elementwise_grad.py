"""Mutant: garbage of the right shape, dtype and device: NaN everywhere."""

import torch


def elementwise_grad(f, x):
    return torch.full_like(x.detach(), float("nan"))
