"""Mutant: computes in float64 and returns float64, whatever w's dtype."""

import torch


def hessian(f, w):
    point = w.detach().double().requires_grad_(True)
    (grad,) = torch.autograd.grad(f(point), point, create_graph=True)
    rows = [torch.autograd.grad(grad[i], point, retain_graph=True)[0]
            for i in range(point.numel())]
    return torch.stack(rows).detach()
