"""Mutant: stores p as a plain tensor that requires grad, not as a Parameter."""

import torch
from torch import nn


def __init__(self, p=2.0):
    nn.Module.__init__(self)
    self.p = torch.tensor([p], dtype=torch.float32, requires_grad=True)


Norm.__init__ = __init__
