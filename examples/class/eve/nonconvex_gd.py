"""Exercise: gradient descent on a non-convex function, by autograd (the lecture's loop).

Write ``gradient_descent`` so that ``pytest`` passes (see ``spec_tests/test_nonconvex_gd.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch


def gradient_descent(objective: Callable[[torch.Tensor], torch.Tensor], step_size: float = 0.05,
                     max_iter: int = 100, init: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Minimise ``objective`` (a function of a 0-d tensor) from ``init`` by gradient descent.

    The lecture's loop: ``theta_hat = torch.tensor(init, requires_grad=True)``; then
    ``max_iter`` times: zero ``theta_hat.grad`` (when it exists), ``out = objective(theta_hat)``,
    ``out.backward()``, and under ``torch.no_grad()`` update ``theta_hat -= step_size *
    theta_hat.grad`` in place.

    Return ``(theta_arr, obj_arr)``: numpy arrays of ``max_iter + 1`` float32 values, the
    start and every iterate (``theta_hat.detach().numpy().copy()``) and the objective at each
    (``objective(theta_hat).detach().numpy()``).
    """
    raise NotImplementedError("TODO: implement the lecture's gradient_descent loop")
