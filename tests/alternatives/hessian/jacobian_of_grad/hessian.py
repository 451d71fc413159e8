"""A correct hessian: the Jacobian (torch.autograd.functional.jacobian) of the gradient
computed with create_graph=True: double backward, one row per backward pass."""

import torch
from torch.autograd.functional import jacobian


def hessian(f, w):
    def gradient(v):
        return torch.autograd.grad(f(v), v, create_graph=True)[0]

    return jacobian(gradient, w.detach())
