"""Mutant: squeezes H, so a function of one variable gets a 0-d tensor, not a 1 x 1 matrix."""

import torch


def hessian(f, w):
    point = w.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(f(point), point, create_graph=True)
    rows = [torch.autograd.grad(grad[i], point, retain_graph=True)[0]
            for i in range(point.numel())]
    return torch.stack(rows).detach().squeeze()
