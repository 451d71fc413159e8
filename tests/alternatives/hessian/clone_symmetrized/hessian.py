"""A correct hessian: the point is w.clone() (not detached first), rows from a list
comprehension over the gradient's entries, and the result averaged with its transpose
(the Hessian is symmetric, so this changes only rounding)."""

import torch


def hessian(f, w):
    w = w.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(f(w), w, create_graph=True)
    h = torch.stack([torch.autograd.grad(gi, w, retain_graph=True)[0] for gi in g])
    return ((h + h.T) / 2).detach()
