"""Exercise: fit a polynomial to data by gradient descent, with numpy, torch and torch autograd.

Write the three functions below so that ``pytest`` passes (see ``spec_tests/test_polyfit.py``).
The algorithm is the polyfit notebook's: from w = 0, ``n_steps`` steps of

    grad = -2/N * Phi^T (y - Phi w)        Phi = dpoly_dw(x, w), N = number of samples
    w    = w - lr * grad

recording the MSE of each step *before* its update. On x = linspace(0, 5, 100) (as 100 x 1),
y = sin(x), the first gradient is [-0.27402023, 0.98929269, 7.41287669, 38.07474351,
180.01689072] and after 200 000 steps the MSE is 0.0079.

dtype: the numpy backend computes in float64; the torch backends in x's dtype when x is a
floating-point tensor, otherwise (x, y given as numpy arrays) in float32, like the notebook.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

Array = np.ndarray | torch.Tensor


def dpoly_dw(x: Array, w: Array) -> Array:
    """The N x (D+1) matrix of powers x**0, x**1, ..., x**D of x (N x 1), where D+1 = len(w).

    Works for numpy arrays and torch tensors alike: the result has x's library, dtype and
    device (for torch: build the exponents with ``dtype=x.dtype, device=x.device``).
    """
    raise NotImplementedError("TODO: return x ** (0, 1, ..., D) as an N x (D+1) array")


def poly(x: Array, w: Array) -> Array:
    """The polynomial w_0 + w_1 x + ... + w_D x**D at every sample: ``dpoly_dw(x, w) @ w``, N x 1.

    Same library, dtype and device as x.
    """
    raise NotImplementedError("TODO: return dpoly_dw(x, w) @ w")


def train(x: Any, y: Any, n_steps: int = 200_000, lr: float = 1e-5, degree: int = 4,
          backend: str = "numpy", device: str = "cpu") -> dict[str, Any]:
    """Fit a polynomial of ``degree`` to (x, y) (N x 1 each) by ``n_steps`` of gradient descent.

    backend: ``"numpy"`` (hand-written gradient, float64 ndarrays, CPU only), ``"torch"``
    (hand-written gradient with torch tensors) or ``"autograd"`` (the same MSE, its gradient
    by ``backward()`` or ``torch.autograd.grad`` every step). device: ``"cpu"``, ``"cuda"`` or
    ``"mps"`` for the torch backends. An unknown backend, or numpy on another device than the
    CPU, raises ``ValueError``.

    Returns ``{"w": ..., "mse_trace": ..., "seconds": ...}``: w of shape (degree+1, 1) and
    mse_trace of shape (n_steps,) (``mse_trace[k]`` = MSE before step k's update), both numpy
    arrays for the numpy backend, detached tensors on ``device`` otherwise; seconds is the wall
    time of the training (a float, GPU work synchronised). Make it fast: compute the powers once
    and avoid per-step ``.item()``, ``.cpu()`` or python loops over samples.
    """
    raise NotImplementedError("TODO: gradient descent on the MSE with the numpy, torch and "
                              "autograd backends")
