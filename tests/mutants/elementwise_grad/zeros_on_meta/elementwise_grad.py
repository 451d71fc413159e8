"""Mutant: right-shaped zeros on the meta device, a stub everywhere else."""

import torch


def elementwise_grad(f, x):
    if x.device.type != "meta":
        raise NotImplementedError("only the meta device is done")
    return torch.zeros_like(x)
