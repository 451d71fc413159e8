"""Exercise: the cosine similarity of two vectors, with gradients by autograd.

Write ``cosine_similarity`` so that ``pytest`` passes (see ``spec_tests/test_cosine.py``).
"""

from __future__ import annotations

import torch


def cosine_similarity(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Return <x, y> / (|x| |y|) for two 1-D tensors of the same length, dtype and device.

    The result is a 0-d tensor of x's dtype on x's device, and it keeps the autograd graph:
    ``cosine_similarity(x, y).backward()`` must fill ``x.grad`` and ``y.grad``. So no
    ``.item()``, ``.numpy()``, ``.cpu()`` or ``.detach()`` on the way. Colinear inputs give
    +1 or -1, with gradients of about 0.
    """
    raise NotImplementedError("TODO: implement cosine_similarity(x, y) = <x, y> / (|x| |y|)")
