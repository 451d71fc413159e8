"""Mutant: exponents made with a bare arange: int64 numpy (float32 x gives float64 powers) and
a CPU torch tensor (x on another device fails)."""

import numpy as np
import torch


def dpoly_dw(x, w):
    if isinstance(x, torch.Tensor):
        return x.reshape(-1, 1) ** torch.arange(w.shape[0])
    return np.asarray(x).reshape(-1, 1) ** np.arange(w.shape[0])
