"""Reference solution: the lecture's gradient descent on a 1-D objective, by autograd."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch


def gradient_descent(objective: Callable[[torch.Tensor], torch.Tensor], step_size: float = 0.05,
                     max_iter: int = 100, init: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The lecture's loop: zero the gradient, backward, update theta in place under no_grad;
    every iterate and its objective value recorded, the start included (max_iter + 1 each,
    float32 like the lecture's ``torch.tensor(init)``)."""
    theta_hat = torch.tensor(init, requires_grad=True)
    theta_hat_arr = [theta_hat.detach().numpy().copy()]
    obj_arr = [objective(theta_hat).detach().numpy()]
    for _ in range(max_iter):
        if theta_hat.grad is not None:
            theta_hat.grad.zero_()
        out = objective(theta_hat)
        out.backward()
        with torch.no_grad():
            theta_hat -= step_size * theta_hat.grad
        theta_hat_arr.append(theta_hat.detach().numpy().copy())
        obj_arr.append(objective(theta_hat).detach().numpy())
    return np.array(theta_hat_arr), np.array(obj_arr)
