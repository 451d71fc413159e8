"""Mutant: stores p as a 0-d Parameter, so a vector's norm has shape () instead of (1,)."""

import torch
from torch import nn
from torch.nn import Parameter


def __init__(self, p=2.0):
    nn.Module.__init__(self)
    self.p = Parameter(torch.tensor(p, dtype=torch.float32))


Norm.__init__ = __init__
