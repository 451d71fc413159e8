"""Mutant: returns the outer product of the gradient, g g^T, instead of the Hessian."""

import torch


def hessian(f, w):
    point = w.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(f(point), point)
    return torch.outer(grad, grad)
