"""Mutant: returns H as a numpy array (.numpy()), not a tensor on w's device."""

import torch


def hessian(f, w):
    p = w.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(f(p), p, create_graph=True)
    rows = [torch.autograd.grad(g[i], p, retain_graph=True)[0] for i in range(len(g))]
    return torch.stack(rows).detach().numpy()
