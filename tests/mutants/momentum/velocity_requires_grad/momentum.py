"""Mutant: velocities that require grad."""

import torch


_reference_init = MomentumGradientDescent.__init__


def __init__(self, params, lr=0.1, momentum=0.9):
    _reference_init(self, params, lr, momentum)
    self.velocities = [torch.zeros_like(p, requires_grad=True) for p in self.params]


MomentumGradientDescent.__init__ = __init__
