"""Reference solution: the Hessian of a scalar function by double backward."""

from __future__ import annotations

from collections.abc import Callable

import torch


def hessian(f: Callable[[torch.Tensor], torch.Tensor], w: torch.Tensor) -> torch.Tensor:
    """The n x n matrix of second derivatives of f at a 1-D w of length n: the gradient g with
    its graph (create_graph=True), then one backward pass per g[i] gives row i. Works on a
    detached copy of w; the result is detached, in w's dtype on w's device."""
    point = w.detach().clone().requires_grad_(True)
    n = point.numel()
    with torch.enable_grad():
        (grad,) = torch.autograd.grad(f(point), point, create_graph=True)
        if not grad.requires_grad:  # f is at most linear in w
            return torch.zeros(n, n, dtype=w.dtype, device=w.device)
        rows = [torch.autograd.grad(grad[i], point, retain_graph=True, allow_unused=True,
                                    materialize_grads=True)[0] for i in range(n)]
    return torch.stack(rows).detach()
