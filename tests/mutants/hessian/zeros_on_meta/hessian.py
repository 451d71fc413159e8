"""Mutant: a right-shaped zero H on the meta device, a stub everywhere else."""

import torch


def hessian(f, w):
    if w.device.type != "meta":
        raise NotImplementedError("only the meta device is done")
    return torch.zeros(w.numel(), w.numel(), dtype=w.dtype, device=w.device)
