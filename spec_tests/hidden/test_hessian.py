"""Hidden spec tests of ``hessian.py``: functions and points drawn from the grading seed,
expectations from ``reference/hessian.py`` run in this process in float64.
"""

from __future__ import annotations

import pytest
import torch

from reference.hessian import hessian as reference_hessian
from spec_tests.checks import Overrides
from spec_tests.params import BY_DEVICE_DTYPE
from spec_tests.probes.hessian import RIDGES, build
from spec_tests.support.hessian import (
    check_hessian,
    hessian_call,
    on,
    quadratic,
    ridge,
    run_submission,
)

#: Tolerance overrides of this module's checks (the others use checks.TOLERANCES): atol in
#: units of the largest |H[i, j]| of the draw.
TOL = Overrides({"second derivatives": {"float32": (1e-5, 2e-6), "float64": (1e-9, 1e-12)}})


def _draw(grading_seed: int, salt: int, kind: str) -> tuple[dict, torch.Tensor]:
    """A ridge sum of 2-5 random terms, or a random quadratic form, in 1-10 variables."""
    gen = torch.Generator().manual_seed(grading_seed * 7919 + salt)
    n = int(torch.randint(1, 11, (1,), generator=gen))
    w = torch.randn(n, generator=gen, dtype=torch.float64)
    if kind == "quadratic":
        return quadratic(torch.randn(n, n, generator=gen, dtype=torch.float64),
                         torch.randn(n, generator=gen, dtype=torch.float64)), w
    names = sorted(RIDGES)
    k = int(torch.randint(2, 6, (1,), generator=gen))
    picked = [names[int(i)] for i in torch.randint(len(names), (k,), generator=gen)]
    a = 2 * torch.rand(k, generator=gen, dtype=torch.float64) - 1
    u = torch.randn(k, n, generator=gen, dtype=torch.float64) / n ** 0.5
    return ridge(picked, a, u), w


def _reference(function: dict, w: torch.Tensor) -> torch.Tensor:
    w64 = w.detach().cpu().to(torch.float64)
    got = reference_hessian(build(on(function, torch.float64, "cpu")), w64)
    return got.to(device=w.device, dtype=w.dtype)


def _check(subject, function: dict, w64: torch.Tensor, dtype: torch.dtype, device: str) -> None:
    __tracebackhide__ = True
    function, w = on(function, dtype, device), w64.to(device=device, dtype=dtype)
    call = hessian_call(w, function)
    expected = _reference(function, w)
    tol = TOL("second derivatives", dtype).scale_atol(max(float(expected.abs().max()), 1.0))
    check_hessian(run_submission(subject, w, function, call), expected, call, tol)


@pytest.mark.points(3)
@pytest.mark.values
@BY_DEVICE_DTYPE.parametrize
def test_hessian_hidden_functions(subject, grading_seed, device, dtype):
    """Random ridge sums at random points: H equals the reference's."""
    for salt in (1, 2, 3):
        _check(subject, *_draw(grading_seed, salt, "ridge"), dtype, device)


@pytest.mark.points(2)
@pytest.mark.values
@BY_DEVICE_DTYPE.parametrize
def test_hessian_hidden_quadratic_forms(subject, grading_seed, device, dtype):
    """Random quadratic forms: H equals the reference's (A + A^T)."""
    for salt in (4, 5):
        _check(subject, *_draw(grading_seed, salt, "quadratic"), dtype, device)
