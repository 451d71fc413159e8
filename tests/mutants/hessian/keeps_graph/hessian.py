"""Mutant: create_graph=True on the second backward too, and the result is not detached."""

import torch


def hessian(f, w):
    p = w.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(f(p), p, create_graph=True)
    rows = [torch.autograd.grad(g[i], p, create_graph=True)[0] for i in range(len(g))]
    return torch.stack(rows)
