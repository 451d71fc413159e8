"""A correct hessian: f(p).backward(create_graph=True) leaves the gradient in p.grad with its
graph; each row is then g[i].backward(retain_graph=True) into a cleared p.grad."""

import torch


def hessian(f, w):
    p = w.detach().clone().requires_grad_(True)
    f(p).backward(create_graph=True)
    g = p.grad
    p.grad = None
    rows = []
    for i in range(len(g)):
        g[i].backward(retain_graph=True)
        rows.append(p.grad.detach().clone())
        p.grad = None
    return torch.stack(rows)
