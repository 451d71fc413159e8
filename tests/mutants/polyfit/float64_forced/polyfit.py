"""Mutant: the torch backends always compute in float64."""

import torch


def _as_tensors(x, y, device):
    xt = torch.as_tensor(x).detach().to(device=device, dtype=torch.float64).reshape(-1, 1)
    yt = torch.as_tensor(y).detach().to(device=device, dtype=torch.float64).reshape(-1, 1)
    return xt, yt
