"""Mutant: stores p in float64 instead of float32."""

import torch
from torch import nn
from torch.nn import Parameter


def __init__(self, p=2.0):
    nn.Module.__init__(self)
    self.p = Parameter(torch.tensor([p], dtype=torch.float64))


Norm.__init__ = __init__
