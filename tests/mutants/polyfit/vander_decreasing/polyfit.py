"""Mutant: np.vander without increasing=True for numpy: the powers x**D .. x**0, highest first."""

import numpy as np
import torch


def dpoly_dw(x, w):
    if isinstance(x, torch.Tensor):
        return torch.linalg.vander(x.reshape(-1), N=w.shape[0])
    x = np.asarray(x)
    return np.vander(x.reshape(-1), w.shape[0])
