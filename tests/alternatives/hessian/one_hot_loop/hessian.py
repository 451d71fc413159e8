"""A correct hessian: entry by entry into a preallocated matrix, each row the derivative of
the gradient's dot product with a one-hot vector (grad_outputs)."""

import torch


def hessian(f, w):
    x = w.clone().detach()
    x.requires_grad = True
    n = x.shape[0]
    H = torch.zeros(n, n, dtype=w.dtype, device=w.device)
    grad = torch.autograd.grad(f(x), x, create_graph=True)[0]
    for i in range(n):
        e_i = torch.zeros_like(grad)
        e_i[i] = 1.0
        row = torch.autograd.grad(grad, x, grad_outputs=e_i, retain_graph=True)[0]
        for j in range(n):
            H[i, j] = row[j]
    return H
