"""Mutant: moves H to the CPU."""

import torch


def hessian(f, w):
    point = w.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(f(point), point, create_graph=True)
    rows = [torch.autograd.grad(grad[i], point, retain_graph=True)[0]
            for i in range(point.numel())]
    return torch.stack(rows).detach().cpu()
