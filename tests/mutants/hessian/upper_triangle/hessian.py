"""Mutant: fills only the upper triangle (j >= i) of each row."""

import torch


def hessian(f, w):
    point = w.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(f(point), point, create_graph=True)
    rows = [torch.autograd.grad(grad[i], point, retain_graph=True)[0]
            for i in range(point.numel())]
    return torch.triu(torch.stack(rows)).detach()
