"""Mutant: creates float32 velocities whatever the param's dtype."""

import torch


_reference_init = MomentumGradientDescent.__init__


def __init__(self, params, lr=0.1, momentum=0.9):
    _reference_init(self, params, lr, momentum)
    self.velocities = [torch.zeros(p.shape, device=p.device) for p in self.params]


MomentumGradientDescent.__init__ = __init__
