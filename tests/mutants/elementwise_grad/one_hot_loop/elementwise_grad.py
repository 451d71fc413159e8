"""Mutant: the notebook's loop, one backward call per element with a one-hot vector."""

import torch


def elementwise_grad(f, x):
    point = x.detach().clone().requires_grad_(True)
    y = f(point)
    for i in range(len(y)):
        one_hot = torch.zeros_like(y)
        one_hot[i] = 1
        y.backward(one_hot, retain_graph=True)
    return point.grad.detach()
