"""Mutant: right-shaped zeros (attached to x and p) on the meta device, a stub elsewhere."""

import torch


def forward(self, x):
    if x.device.type != "meta":
        raise NotImplementedError("only the meta device is done")
    return torch.sum(x, dim=0) * self.p * 0


Norm.forward = forward
