"""Mutant: one backward of sum(g), broadcast to every row: the row sums of H, n times."""

import torch


def hessian(f, w):
    point = w.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(f(point), point, create_graph=True)
    (sums,) = torch.autograd.grad(grad.sum(), point)
    return sums.expand(point.numel(), point.numel()).clone()
