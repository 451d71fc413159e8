"""Mutant: one velocity tensor shared by all the params."""

import torch


_reference_init = MomentumGradientDescent.__init__


def __init__(self, params, lr=0.1, momentum=0.9):
    _reference_init(self, params, lr, momentum)
    self.velocities = [torch.zeros_like(self.params[0])] * len(self.params)


MomentumGradientDescent.__init__ = __init__
