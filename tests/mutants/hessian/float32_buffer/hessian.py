"""Mutant: H is preallocated with torch.zeros(n, n): float32 on the CPU whatever w is."""

import torch


def hessian(f, w):
    p = w.detach().clone().requires_grad_(True)
    n = p.shape[0]
    H = torch.zeros(n, n)
    (g,) = torch.autograd.grad(f(p), p, create_graph=True)
    for i in range(n):
        H[i] = torch.autograd.grad(g[i], p, retain_graph=True)[0]
    return H
