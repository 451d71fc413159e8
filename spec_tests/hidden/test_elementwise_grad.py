"""Hidden spec tests of ``elementwise_grad.py``: functions and points drawn from the grading
seed, expectations from ``reference/elementwise_grad.py`` evaluated in this run in float64.
"""

from __future__ import annotations

import pytest
import torch

from reference.elementwise_grad import elementwise_grad as reference_elementwise_grad
from spec_tests.checks import Overrides
from spec_tests.params import BY_DEVICE_DTYPE
from spec_tests.probes.elementwise_grad import TERMS, Terms, build
from spec_tests.support.elementwise_grad import (
    check_caller_x,
    check_values,
    derivative_call,
    run_submission,
)

#: Tolerance overrides of this module's checks (the others use checks.TOLERANCES). atol in
#: units of the largest |f'(x_i)| of the draw: float32 rounds every term of a sum of up to 4.
TOL = Overrides({"derivative": {"float32": (1e-5, 1e-6), "float64": (1e-9, 1e-12)}})


def _draw(grading_seed: int, salt: int) -> tuple[Terms, torch.Tensor]:
    """2-4 terms with coefficients in [-2, 2] and scales in [-1.5, 1.5], 1-200 points in
    [-4, 4] (float64)."""
    gen = torch.Generator().manual_seed(grading_seed * 7919 + salt)
    names = sorted(TERMS)
    terms = []
    for _ in range(int(torch.randint(2, 5, (1,), generator=gen))):
        name = names[int(torch.randint(len(names), (1,), generator=gen))]
        c, b = (float(v) for v in torch.empty(2, dtype=torch.float64).uniform_(-2, 2,
                                                                                generator=gen))
        terms.append((name, round(c, 3), round(0.75 * b, 3)))
    n = int(torch.randint(1, 201, (1,), generator=gen))
    x = 8 * torch.rand(n, generator=gen, dtype=torch.float64) - 4
    return terms, x


def _expected(terms: Terms, x: torch.Tensor) -> torch.Tensor:
    """The reference's derivative in float64 at x's own points, in x's dtype and device."""
    got = reference_elementwise_grad(build(terms), x.detach().cpu().to(torch.float64))
    return got.to(device=x.device, dtype=x.dtype)


def _tol(dtype: torch.dtype, expected: torch.Tensor) -> object:
    scale = max(float(expected.abs().max()), 1.0) if expected.numel() else 1.0
    return TOL("derivative", dtype).scale_atol(scale)


@pytest.mark.points(3)
@pytest.mark.gradients
@BY_DEVICE_DTYPE.parametrize
def test_elementwise_grad_hidden_functions(subject, grading_seed, device, dtype):
    """Random sums of elementwise terms at random points equal the reference's derivative."""
    for salt in (1, 2, 3):
        terms, x64 = _draw(grading_seed, salt)
        x = x64.to(device=device, dtype=dtype)
        call = derivative_call(x, terms)
        expected = _expected(terms, x)
        check_values(run_submission(subject, x, terms, call), expected, call,
                     tol=_tol(dtype, expected))


@pytest.mark.points(2)
@pytest.mark.gradients
@BY_DEVICE_DTYPE.parametrize
def test_elementwise_grad_hidden_caller_state(subject, grading_seed, device, dtype):
    """With x requiring grad and holding a .grad, the values are the reference's and the
    caller's x is left as it was."""
    terms, x64 = _draw(grading_seed, 4)
    x = x64.to(device=device, dtype=dtype)
    grad = torch.randn(x.shape, generator=torch.Generator().manual_seed(grading_seed),
                       dtype=torch.float64).to(device=device, dtype=dtype)
    call = derivative_call(x.requires_grad_(), terms, "with x.grad already set")
    got = run_submission(subject, x, terms, call, requires_grad=True, grad=grad)
    expected = _expected(terms, x)
    check_values(got, expected, call, tol=_tol(dtype, expected))
    check_caller_x(got, x.detach(), True, grad, call)
