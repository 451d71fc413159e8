"""Mutant: the diagonal of the full Jacobian: one backward pass per element."""

from torch.autograd.functional import jacobian


def elementwise_grad(f, x):
    return jacobian(f, x.detach()).diagonal()
