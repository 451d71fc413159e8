"""Mutant: backward() through a clone of x that is not detached: the gradient flows into the
caller's x.grad when x requires grad, and the clone's own .grad stays None."""

import torch


def elementwise_grad(f, x):
    xc = x.clone().requires_grad_()
    y = f(xc)
    y.backward(torch.ones_like(y))
    return xc.grad
