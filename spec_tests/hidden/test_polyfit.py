"""Hidden spec tests of ``polyfit.py``: problems drawn from the grading seed, vs the reference.

Sample count, degree, x range, targets, learning rate and step count come from
``grading_seed``; expectations come from ``reference/polyfit.py`` run on the same inputs in
this run, in float64 (numpy arrays for the numpy backend, float64 tensors for the others).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from reference import polyfit as reference
from spec_tests.checks import Overrides, check_close, describe_call
from spec_tests.support.polyfit import (
    BACKEND_DEVICE_CASES,
    HINT_AUTOGRAD,
    HINT_GRADIENT,
    HINT_POWERS,
    train_submission,
)

#: Tolerance overrides of this module's checks: float64 against the reference's float64.
TOL = Overrides({
    "trajectory": (1e-6, 1e-9),
    "one step": (1e-9, 1e-12),
    "powers": (1e-9, 1e-12),
})


def _problem(grading_seed: int, salt: int) -> dict[str, Any]:
    """A random, stable problem: x in [a, b], y a noisy wave, lr = 0.9 / (largest curvature)."""
    rng = np.random.default_rng([grading_seed, salt])
    n = int(rng.integers(20, 201))
    degree = int(rng.integers(1, 6))
    a = float(rng.uniform(-2.0, 0.5))
    b = a + float(rng.uniform(1.0, 2.5))
    x = np.sort(rng.uniform(a, b, n)).reshape(-1, 1)
    y = np.sin(rng.uniform(0.5, 3.0) * x) + 0.05 * rng.standard_normal((n, 1))
    phi = np.vander(x.ravel(), degree + 1, increasing=True)
    curvature = float(np.linalg.eigvalsh(2.0 / n * phi.T @ phi)[-1])
    return {"x": x, "y": y, "degree": degree, "lr": 0.9 / curvature,
            "n_steps": int(rng.integers(100, 501))}


def _train_both(subject: Any, problem: dict[str, Any], backend: str, device: str,
                **kwargs: Any) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """The submission's train on ``problem`` (result and call) and the reference's, with the
    same inputs: numpy arrays for the numpy backend, float64 tensors for the others."""
    __tracebackhide__ = True
    x, y = problem["x"], problem["y"]
    if backend != "numpy":
        x, y = torch.from_numpy(x), torch.from_numpy(y)
    got, call = train_submission(subject, x, y, backend=backend, device=device, **kwargs)
    return got, call, reference.train(x, y, backend=backend, device=device, **kwargs)


def _like(value: np.ndarray | torch.Tensor, device: str) -> np.ndarray | torch.Tensor:
    return value.to(device) if isinstance(value, torch.Tensor) else value


@pytest.mark.points(3)
@pytest.mark.convergence
@BACKEND_DEVICE_CASES.parametrize
def test_hidden_train_matches_reference(subject, grading_seed, backend, device):
    """w and the whole mse_trace equal the reference's on a random problem (float64)."""
    problem = _problem(grading_seed, 1)
    kwargs = {k: problem[k] for k in ("n_steps", "lr", "degree")}
    got, call, expected = _train_both(subject, problem, backend, device, **kwargs)
    hint = HINT_GRADIENT + (" " + HINT_AUTOGRAD if backend == "autograd" else "")
    for key in ("mse_trace", "w"):
        check_close(got[key], _like(expected[key], device), call=call, what=key,
                    tol=TOL("trajectory"), hint=hint)


@pytest.mark.points(1)
@pytest.mark.gradients
@BACKEND_DEVICE_CASES.parametrize
def test_hidden_first_gradient(subject, grading_seed, backend, device):
    """One step with lr = 1 on a random problem: w = -grad, equal to the reference's."""
    problem = _problem(grading_seed, 2)
    got, call, expected = _train_both(subject, problem, backend, device, n_steps=1, lr=1.0,
                                      degree=problem["degree"])
    check_close(got["w"], _like(expected["w"], device), call=call,
                what="w after one step with lr = 1 (= -grad)", tol=TOL("one step"),
                hint=HINT_GRADIENT)


@pytest.mark.points(1)
@pytest.mark.values
@pytest.mark.parametrize("library", ["numpy", "torch"])
def test_hidden_poly_matches_reference(subject, grading_seed, library):
    """poly and dpoly_dw equal the reference's on random x and w (float64)."""
    problem = _problem(grading_seed, 3)
    rng = np.random.default_rng([grading_seed, 4])
    x = problem["x"]
    w = rng.standard_normal((problem["degree"] + 1, 1))
    if library == "torch":
        x, w = torch.from_numpy(x), torch.from_numpy(w)
    for name, hint in (("dpoly_dw", HINT_POWERS), ("poly", "poly(x, w) = dpoly_dw(x, w) @ w")):
        got = subject.call(f"polyfit.{name}", x=x, w=w)
        expected = getattr(reference, name)(x, w)
        check_close(got, expected, call=describe_call(name, {"x": x, "w": w}),
                    tol=TOL("powers"), hint=hint)
