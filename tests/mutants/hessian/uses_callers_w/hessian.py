"""Mutant: differentiates the caller's w itself and returns H with its graph."""

import torch


def hessian(f, w):
    w.requires_grad_(True)
    (grad,) = torch.autograd.grad(f(w), w, create_graph=True)
    rows = [torch.autograd.grad(grad[i], w, create_graph=True)[0] for i in range(w.numel())]
    return torch.stack(rows)
