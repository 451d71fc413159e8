"""Public spec tests of ``hessian.py``: ``hessian(f, w)``, the n x n Hessian of a scalar
function at a 1-D ``w`` by double backward (the autograd lab).

Expectations come from the lab's printed example (diag(2, 8, 18)), from quadratic forms
(whose Hessian A + A^T is exact), and from the library's
``torch.autograd.functional.hessian`` in float64: the oracle, which the probe makes
unavailable to the submission (``spec_tests/probes/hessian.py``) together with
``torch.func.hessian``.
"""

from __future__ import annotations

import pytest
import torch

from spec_tests.checks import Overrides, check_meta, fail, value_device
from spec_tests.params import BY_DEVICE_DTYPE, BY_DEVICE_DTYPE_AND_META, DEVICES, FLOAT_DTYPES, grid
from spec_tests.support.hessian import (
    HINT_DEVICE,
    HINT_VALUE,
    LAB,
    LAB_HESSIAN,
    LAB_W,
    check_caller_w,
    check_hessian,
    hessian_call,
    library_hessian,
    on,
    quadratic,
    ridge,
    run_submission,
)

#: Tolerance overrides of this module's checks (the others use checks.TOLERANCES).
TOL = Overrides({
    # Second derivatives of sums of a few terms of size ~10: float32 keeps ~6 digits.
    "second derivatives": {"float32": (1e-5, 1e-4), "float64": (1e-7, 1e-7)},
})

CALLER_STATES = {"plain": (False, False), "requires-grad": (True, False),
                 "with-grad": (True, True)}


def _randn(gen: torch.Generator, *shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=torch.float64)


def _ridge(gen: torch.Generator, n: int, names: list[str]) -> dict:
    """A ridge sum with coefficients in [-1, 1] and directions of norm about 1."""
    a = 2 * torch.rand(len(names), generator=gen, dtype=torch.float64) - 1
    return ridge(names, a, _randn(gen, len(names), n) / n ** 0.5)


def _case(function: dict, w: torch.Tensor, dtype: torch.dtype, device: str
          ) -> tuple[dict, torch.Tensor]:
    return on(function, dtype, device), w.to(device=device, dtype=dtype)


def _ridge_run(subject, gen: torch.Generator, n: int, names: list[str], dtype: torch.dtype,
               device: str) -> tuple[dict, torch.Tensor, str, dict]:
    """The submission's Hessian of a random ridge sum at a random w: (f, w, call, got)."""
    function, w = _case(_ridge(gen, n, names), _randn(gen, n), dtype, device)
    call = hessian_call(w, function)
    return function, w, call, run_submission(subject, w, function, call)


@pytest.mark.points(4)
@pytest.mark.values
@BY_DEVICE_DTYPE.parametrize
def test_hessian_lab_example(subject, device, dtype):
    """The lab's example: get_loss at w = [4, 5, 6] has the Hessian diag(2, 8, 18)."""
    w = torch.tensor(LAB_W, dtype=dtype, device=device)
    call = hessian_call(w, LAB)
    got = run_submission(subject, w, LAB, call)
    check_hessian(got, torch.tensor(LAB_HESSIAN, dtype=dtype, device=device), call)


@pytest.mark.points(4)
@pytest.mark.values
@BY_DEVICE_DTYPE.parametrize
def test_hessian_quadratic_forms(subject, gen, device, dtype):
    """w^T A w + b^T w has the Hessian A + A^T (A not symmetric), for n = 2, 4 and 7."""
    for n in (2, 4, 7):
        function, w = _case(quadratic(_randn(gen, n, n), _randn(gen, n)), _randn(gen, n),
                            dtype, device)
        call = hessian_call(w, function)
        got = run_submission(subject, w, function, call)
        check_hessian(got, function["A"] + function["A"].T, call,
                      TOL("second derivatives", dtype))


@pytest.mark.points(4)
@pytest.mark.values
@grid(("names", [pytest.param(["sin", "exp", "cube"], id="sin-exp-cube"),
                 pytest.param(["tanh", "softplus", "log1p_square"], id="tanh-softplus-log")]),
      device=DEVICES, dtype=FLOAT_DTYPES, unsupported="skip").parametrize
def test_hessian_nonquadratic(subject, gen, names, device, dtype):
    """Sums of ridge terms a_k g_k(u_k . w) (dense Hessians) equal the library's Hessian."""
    function, w, call, got = _ridge_run(subject, gen, 5, names, dtype, device)
    check_hessian(got, library_hessian(function, w), call, TOL("second derivatives", dtype))


@pytest.mark.points(2)
@pytest.mark.values
@BY_DEVICE_DTYPE.parametrize
def test_hessian_symmetric(subject, gen, device, dtype):
    """H equals its transpose (and the library's Hessian) for a function with cross terms."""
    function, w, call, got = _ridge_run(subject, gen, 6, ["sin", "log1p_square", "cube", "exp"],
                                        dtype, device)
    h = got["value"]
    check_meta(h, shape=(6, 6), call=call, what="H", hint=HINT_DEVICE)
    tol = TOL("second derivatives", dtype)
    asymmetry = float((h - h.T).abs().max())
    if not asymmetry <= tol.atol + tol.rtol * float(h.abs().max()):
        fail(call, "H is not symmetric", [f"max |H - H^T| = {asymmetry:.3g}",
                                           f"allowed: {tol.atol:g} + {tol.rtol:g} * max|H|"],
             HINT_VALUE + " Every row i needs all n columns j.")
    check_hessian(got, library_hessian(function, w), call, TOL("second derivatives", dtype))


@pytest.mark.points(2)
@pytest.mark.gradients
@grid(state=list(CALLER_STATES), device=DEVICES, dtype=FLOAT_DTYPES,
      unsupported="skip").parametrize
def test_hessian_leaves_w_alone(subject, gen, state, device, dtype):
    """The caller's w keeps its values, requires_grad and .grad; the result is detached."""
    requires_grad, has_grad = CALLER_STATES[state]
    function, w = _case(_ridge(gen, 4, ["sin", "cube"]), _randn(gen, 4), dtype, device)
    grad = _randn(gen, 4).to(device=device, dtype=dtype) if has_grad else None
    call = hessian_call(w.requires_grad_(requires_grad), function,
                        "with w.grad already set" if has_grad else "")
    got = run_submission(subject, w, function, call, requires_grad=requires_grad, grad=grad)
    check_hessian(got, library_hessian(function, w), call, TOL("second derivatives", dtype))
    check_caller_w(got, w.detach(), requires_grad, grad, call)


@pytest.mark.points(2)
@pytest.mark.values
@BY_DEVICE_DTYPE.parametrize
def test_hessian_sizes(subject, gen, device, dtype):
    """n = 1 gives a 1 x 1 matrix (not a number, not a vector); n = 12 a 12 x 12 one."""
    for n in (1, 12):
        function, w, call, got = _ridge_run(subject, gen, n, ["exp", "sin"], dtype, device)
        check_hessian(got, library_hessian(function, w), call, TOL("second derivatives", dtype))


@pytest.mark.points(2)
@pytest.mark.device
@BY_DEVICE_DTYPE_AND_META.parametrize
def test_hessian_placement(subject, device, dtype):
    """H is n x n in w's dtype on w's device; on ``meta`` (no data) the same call's values are
    checked on the CPU, so only right values earn the placement."""
    values_on = value_device(device)
    w = torch.tensor(LAB_W, dtype=dtype, device=values_on)
    call = hessian_call(w, LAB)
    got = run_submission(subject, w, LAB, call)
    check_hessian(got, torch.tensor(LAB_HESSIAN, dtype=dtype, device=values_on), call)
    if device == "meta":
        w = w.to("meta")
        call = hessian_call(w, LAB)
        got = run_submission(subject, w, LAB, call)
    check_meta(got["value"], shape=(3, 3), dtype=dtype, device=device, call=call, what="H",
               hint=HINT_DEVICE)
