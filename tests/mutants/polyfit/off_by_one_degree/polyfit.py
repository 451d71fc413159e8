"""Mutant: the powers are x**1 .. x**(D+1) instead of x**0 .. x**D."""

import numpy as np
import torch


def dpoly_dw(x, w):
    n_coeffs = w.shape[0]
    if isinstance(x, torch.Tensor):
        exponents = torch.arange(1, n_coeffs + 1, dtype=x.dtype, device=x.device)
        return x.reshape(-1, 1) ** exponents
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    return x.reshape(-1, 1) ** np.arange(1, n_coeffs + 1, dtype=dtype)
