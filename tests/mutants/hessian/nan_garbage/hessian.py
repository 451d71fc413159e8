"""Mutant: garbage of the right shape, dtype and device: NaN everywhere."""

import torch


def hessian(f, w):
    n = w.numel()
    return torch.full((n, n), float("nan"), dtype=w.dtype, device=w.device)
