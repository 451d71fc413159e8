"""Hidden spec tests of ``cosine.py``: inputs drawn from the grading seed, vs the reference.

Sizes, scales and colinear factors come from ``grading_seed``; expectations come from
``reference/cosine.py`` evaluated in this run, in float64, and from central differences of
the submission's own values.
"""

from __future__ import annotations

import math

import pytest
import torch

from reference.cosine import cosine_similarity as reference_cosine
from spec_tests.checks import Overrides, check_close, check_type
from spec_tests.params import BY_DEVICE_DTYPE, BY_DEVICE_FLOAT64
from spec_tests.support.cosine import (
    HINT_DEVICE,
    HINT_VALUE,
    cosine_call,
    numeric_gradient,
    submission_grads,
)

#: Tolerance overrides of this module's checks (the others use checks.TOLERANCES).
TOL = Overrides({
    # The cosine lies in [-1, 1]; float32 sums over up to 300 terms.
    "values": {"float32": (1e-4, 1e-5), "float64": (1e-7, 1e-9)},
    # atol in units of 1/|wrt| (a gradient's norm is at most that): float32 sums over up to
    # 300 terms; an exactly colinear pair has gradients of pure noise.
    "gradients": {"float32": (1e-4, 2e-5), "float64": (1e-7, 1e-10)},
    # Central differences with a relative step of 1e-6 are exact to ~1e-9 of the gradient:
    # atol in units of the larger of max|numeric| and 1 / (sqrt(n) |moved|).
    "central differences": (1e-5, 1e-6),
})


def _draw(grading_seed: int, salt: int, dtype: torch.dtype, device: str, n_cases: int = 4
          ) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Random pairs: sizes 1..300, independent scales 1e-3..1e3, one exactly colinear pair."""
    gen = torch.Generator().manual_seed(grading_seed * 7919 + salt)
    pairs = []
    for k in range(n_cases):
        n = int(torch.randint(1, 301, (1,), generator=gen))
        sx, sy = (10 ** float(torch.empty(()).uniform_(-3, 3, generator=gen)) for _ in "xy")
        y = sy * torch.randn(n, generator=gen, dtype=torch.float64)
        if k == n_cases - 1:
            alpha = float(torch.empty(()).uniform_(-3, 3, generator=gen))
            x = alpha * y
        else:
            x = sx * torch.randn(n, generator=gen, dtype=torch.float64)
        pairs.append((x.to(device=device, dtype=dtype), y.to(device=device, dtype=dtype)))
    return pairs


def _reference(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Value and gradients by the reference, in float64, cast back to x's dtype."""
    xr = x.detach().to(torch.float64).requires_grad_()
    yr = y.detach().to(torch.float64).requires_grad_()
    out = reference_cosine(xr, yr)
    out.backward()
    return tuple(t.detach().to(x.dtype) for t in (out, xr.grad, yr.grad))


def _inverse_norm(wrt: torch.Tensor) -> float:
    """1 / |wrt|: the largest norm a cosine's gradient with respect to ``wrt`` can have."""
    return 1.0 / max(float(torch.linalg.vector_norm(wrt.detach().cpu().double())), 1e-300)


@pytest.mark.points(2)
@pytest.mark.values
@BY_DEVICE_DTYPE.parametrize
def test_cosine_hidden_values(subject, grading_seed, device, dtype):
    """Values on random sizes and scales equal the reference's."""
    for x, y in _draw(grading_seed, 1, dtype, device):
        got = subject.call("cosine.value", x=x, y=y)
        check_type(got, torch.Tensor, call=cosine_call(x, y), hint=HINT_DEVICE)
        check_close(got, _reference(x, y)[0], tol=TOL("values", dtype),
                    call=cosine_call(x, y), hint=HINT_VALUE)


@pytest.mark.points(2)
@pytest.mark.gradients
@BY_DEVICE_DTYPE.parametrize
def test_cosine_hidden_gradients(subject, grading_seed, device, dtype):
    """Gradients on random sizes and scales equal the reference's."""
    for x, y in _draw(grading_seed, 2, dtype, device):
        call = cosine_call(x, y, "then .backward()")
        got = submission_grads(subject, x, y, call)
        _, gx, gy = _reference(x, y)
        for name, expected, wrt in (("x.grad", gx, x), ("y.grad", gy, y)):
            tol = TOL("gradients", dtype).scale_atol(_inverse_norm(wrt))
            check_close(got["grad_" + name[0]], expected, tol=tol, call=call, what=name,
                        hint=HINT_VALUE)


@pytest.mark.points(1)
@pytest.mark.gradients
@BY_DEVICE_FLOAT64.parametrize
def test_cosine_hidden_gradcheck(subject, grading_seed, device, dtype):
    """Gradcheck-style: autograd's gradients equal central differences of the own values."""
    gen = torch.Generator().manual_seed(grading_seed * 7919 + 3)
    n = int(torch.randint(2, 25, (1,), generator=gen))
    scale = 10 ** float(torch.empty(()).uniform_(-2, 2, generator=gen))
    x = (scale * torch.randn(n, generator=gen, dtype=dtype)).to(device)
    y = torch.randn(n, generator=gen, dtype=dtype).to(device)
    call = cosine_call(x, y, "then .backward()")
    got = submission_grads(subject, x, y, call)
    # Agreeing with its own values earns nothing unless the values are the reference's.
    check_close(got["value"], _reference(x, y)[0], tol=TOL("values", dtype), call=call,
                hint=HINT_VALUE)
    for name, moved in (("x", x), ("y", y)):
        eps = 1e-6 * float(moved.abs().max())
        numeric = numeric_gradient(subject, x, y, name, eps, call=call)
        scale = max(float(numeric.abs().max()), 1.0 / math.sqrt(n) / float(moved.norm()))
        check_close(got[f"grad_{name}"], numeric.to(device),
                    tol=TOL("central differences").scale_atol(scale), call=call,
                    what=f"{name}.grad vs central differences",
                    hint="the gradient must be the derivative of the value you return.")
