"""Mutant: the first gradient without create_graph=True, so it is a constant and the rows of
its derivative, allowed unused and materialized, are all zeros."""

import torch


def hessian(f, w):
    p = w.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(f(p), p)
    rows = []
    for i in range(len(g)):
        if g[i].requires_grad:
            rows.append(torch.autograd.grad(g[i], p, retain_graph=True)[0])
        else:
            rows.append(torch.zeros_like(p))
    return torch.stack(rows).detach()
