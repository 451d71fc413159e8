"""Exercise: the Hessian of a scalar function, by double backward (the autograd lab).

Write ``hessian`` so that ``pytest`` passes (see ``spec_tests/test_hessian.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch


def hessian(f: Callable[[torch.Tensor], torch.Tensor], w: torch.Tensor) -> torch.Tensor:
    """Return the n x n Hessian of the scalar function ``f`` at the 1-D tensor ``w`` (length n):
    ``H[i, j] = d^2 f / dw_i dw_j``. The lab's ``get_loss`` at w = [4, 5, 6] gives
    diag(2, 8, 18).

    Compute it by double backward: the gradient with its own graph, ``g =
    torch.autograd.grad(f(p), p, create_graph=True)[0]`` for a copy ``p`` of w that requires
    grad, then differentiate each ``g[i]`` again. ``torch.autograd.functional.hessian`` and
    ``torch.func.hessian`` are the oracle and are unavailable while your code is graded.

    The result is detached, in w's dtype and on w's device; the caller's ``w`` keeps its
    ``requires_grad`` and ``.grad`` as they were.
    """
    raise NotImplementedError("TODO: implement hessian(f, w) by double backward")
