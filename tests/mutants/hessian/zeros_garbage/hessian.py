"""Mutant: right-shaped zeros, which the meta device alone cannot tell from an answer."""

import torch


def hessian(f, w):
    return torch.zeros(w.numel(), w.numel(), dtype=w.dtype, device=w.device)
