"""Mutant: creates the velocities on the CPU."""

import torch


_reference_init = MomentumGradientDescent.__init__


def __init__(self, params, lr=0.1, momentum=0.9):
    _reference_init(self, params, lr, momentum)
    self.velocities = [torch.zeros(p.shape, dtype=p.dtype) for p in self.params]


MomentumGradientDescent.__init__ = __init__
