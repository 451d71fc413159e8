"""Exercise: the derivative of an elementwise function at every point, by autograd.

Write ``elementwise_grad`` so that ``pytest`` passes (see ``spec_tests/test_elementwise_grad.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch


def elementwise_grad(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor
                     ) -> torch.Tensor:
    """Return f'(x_i) for every point x_i of the 1-D tensor ``x``, where ``f`` is elementwise
    (``f(x)[i]`` depends on ``x[i]`` only), e.g. ``elementwise_grad(torch.sin, x) == cos(x)``.

    Use autograd in one backward pass: the notebook calls ``y.backward(one_hot)`` once per
    element; a vector of ones gives every derivative at once. Call ``f`` once, with
    ``backward()`` or ``torch.autograd.grad`` (once), and do not retain the graph.

    The result has x's shape, dtype and device and is detached (no graph). The caller's ``x``
    keeps its ``requires_grad`` and its ``.grad`` as they were: differentiate a detached
    copy, not ``x`` itself.
    """
    raise NotImplementedError("TODO: implement elementwise_grad(f, x) with one backward pass")
