"""What the polyfit tests and the benchmarks share: hints, backends and their cases, the
submission's ``train`` call, the float64 oracle and the seed notebook's own loops."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from grader.memo import submission_independent
from spec_tests.checks import describe_call, fail
from spec_tests.params import DEVICES, grid

HINT_POWERS = ("dpoly_dw(x, w) is x ** (0, 1, ..., D) with D + 1 = len(w) coefficients: the "
               "first column is all ones (x**0); check for an off-by-one degree.")
HINT_GRADIENT = ("each step is grad = -2/N * Phi^T (y - Phi w), then w -= lr * grad, from "
                 "w = 0: check the sign, the factor 2/N (N = number of samples) and the degree.")
HINT_AUTOGRAD = ("the autograd backend needs the gradient of this step only: zero it (or use "
                 "torch.autograd.grad) every step, and update w under torch.no_grad().")

BACKENDS = ("numpy", "torch", "autograd")
TORCH_BACKENDS = ("torch", "autograd")
#: ``backend-device`` cases: numpy on the CPU, torch on every device.
BACKEND_DEVICE_CASES = (grid(backend=["numpy"], device=["cpu"])
                        + grid(backend=TORCH_BACKENDS, device=DEVICES))


def train_submission(subject: Any, x: Any, y: Any, *, timeout: float = 60, **kwargs: Any
                     ) -> tuple[dict[str, Any], str]:
    """The submission's train result (keys checked) and the call's description."""
    __tracebackhide__ = True
    call = describe_call("train", {"x": x, "y": y, **kwargs})
    got = subject.call("polyfit.train", timeout=timeout, x=x, y=y, **kwargs)
    if got["type"] != "builtins.dict":
        fail(call, f"train returned {got['type']}, but should return a dict")
    missing = {"w", "mse_trace", "seconds"} - set(got["keys"])
    if missing:
        fail(call, f"the dict returned by train lacks {sorted(missing)} (it has {got['keys']})")
    return got, call


@submission_independent
def oracle_gd(x: np.ndarray, y: np.ndarray, n_steps: int, lr: float, degree: int
              ) -> tuple[np.ndarray, np.ndarray]:
    """The gradient descent recurrence in float64, written out plainly: (w, mse_trace)."""
    phi = np.vander(x.ravel(), degree + 1, increasing=True)
    w = np.zeros((degree + 1, 1))
    trace = np.empty(n_steps)
    for k in range(n_steps):
        residual = y - phi @ w
        trace[k] = np.mean(residual ** 2)
        w = w - lr * (-2 / len(x) * phi.T @ residual)
    return w, trace


def seed_numpy_loop(x: np.ndarray, y: np.ndarray, n_steps: int, lr: float, degree: int
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The seed's numpy cell as written: ``x ** range(D)`` recomputed twice every step."""
    n = x.shape[0]
    w = np.zeros((degree + 1, 1))
    mse_trace = np.zeros(n_steps)
    for step in range(n_steps):
        y_model = (x ** range(degree + 1)) @ w
        grad = -2 / n * (x ** range(degree + 1)).T @ (y - y_model)
        w -= lr * grad
        mse_trace[step] = ((y - y_model) ** 2).mean()
    return w, mse_trace


def seed_style_loop(x: np.ndarray, y: np.ndarray, n_steps: int, lr: float, degree: int,
                    backend: str, device: str) -> None:
    """The seed notebook's loop (powers recomputed every step): the timing baseline."""
    n = x.shape[0]
    if backend == "numpy":
        seed_numpy_loop(x, y, n_steps, lr, degree)
        return
    xt = torch.from_numpy(x).float().to(device)
    yt = torch.from_numpy(y).float().to(device)
    exponents = torch.arange(0.0, degree + 1, device=device)
    trace_t = torch.zeros(n_steps, device=device)
    w_t = torch.zeros(degree + 1, 1, device=device, requires_grad=backend == "autograd")
    for step in range(n_steps):
        y_model = (xt ** exponents).mm(w_t)
        mse = ((yt - y_model) ** 2).mean()
        if backend == "autograd":
            if step > 0:
                w_t.grad.data.zero_()
            mse.backward()
            w_t.data -= lr * w_t.grad.data
        else:
            grad = -2 / n * (xt ** exponents).t().mm(yt - y_model)
            w_t -= lr * grad
        trace_t[step] = mse.data
    if device == "cuda":
        torch.cuda.synchronize()
