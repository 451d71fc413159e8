"""Public spec tests of ``pnorm.py``: ``Norm(p=2.0)``, a torch module computing
``(sum over dim 0 of x^p)^(1/p)`` with ``p`` a learnable Parameter of shape (1,).

Expectations come from ``torch.linalg.vector_norm``, from the closed forms of the gradients
(``x^(p-1) / |x|_p^(p-1)`` for x; ``N (sum(x^p ln x) / (p S) - ln S / p^2)`` for p, with
S = sum x^p and N = S^(1/p)) and from central differences of the submission's own values in
p. Inputs are positive, as in the exercises notebook (``torch.rand``). The submission is
reached only through ``spec_tests/probes/pnorm.py``.
"""

from __future__ import annotations

import pytest
import torch

from spec_tests.checks import (
    Overrides,
    check_close,
    check_meta,
    check_type,
    fail,
    value_device,
)
from spec_tests.params import BY_DEVICE_DTYPE, BY_DEVICE_DTYPE_AND_META, BY_DEVICE_FLOAT64
from spec_tests.support.pnorm import (
    HINT_DEVICE,
    HINT_GRAD_P,
    HINT_PARAM,
    HINT_VALUE,
    check_gradients,
    norm_call,
    norm_grad_p,
    norm_grad_x,
    norm_value,
    positive,
    run_submission,
)

#: Tolerance overrides of this module's checks (the others use checks.TOLERANCES).
TOL = Overrides({
    # d/dp goes through logs and a root: float32 keeps ~5 digits of it.
    "p gradient": {"float32": (1e-4, 1e-5), "float64": (1e-9, 1e-12)},
    # Central differences with a step of 2^-12 in p are exact to ~1e-8 of the gradient.
    "central differences": (1e-5, 1e-7),
})

#: Values of p exactly representable in float32 (the module stores p in float32).
PS = (1.0, 2.0, 3.0, 4.5)


def _checked_run(subject, gen, p: float, n: int, dtype: torch.dtype, device: str
                 ) -> tuple[torch.Tensor, str, dict]:
    """Norm(p) forward and backward on n positive inputs, its value checked: (x, call, got)."""
    x = positive(gen, (n,), dtype, device)
    call = norm_call(p, x, "then .backward()")
    got = run_submission(subject, p, x, call)
    check_close(got["value"], norm_value(x, p), call=call, hint=HINT_VALUE)
    return x, call, got


@pytest.mark.points(3)
@pytest.mark.values
@pytest.mark.parametrize("p", [None, 3.0, 1.5], ids=["default", "p3", "p1.5"])
def test_norm_parameter(subject, p):
    """Norm(p) stores p as a torch.nn.Parameter of shape (1,), float32, requiring grad, the
    module's only parameter; Norm() has p = 2."""
    want = 2.0 if p is None else p
    call = "Norm()" if p is None else f"Norm(p={p:g})"
    got = subject.call("pnorm.parameter", p=p)
    problems = []
    if got["type"] != "torch.nn.parameter.Parameter":
        problems.append(f"norm.p is a {got['type']}, but should be a torch.nn.Parameter")
    if not got["requires_grad"]:
        problems.append("norm.p.requires_grad is False, but should be True")
    if got["n_parameters"] != 1 or not got["registered"]:
        problems.append(f"norm.parameters() holds {got['n_parameters']} tensors, but should "
                        "hold norm.p alone")
    if problems:
        fail(call, "p is not the module's learnable parameter", problems, HINT_PARAM)
    check_type(got["p"], torch.Tensor, call=call, what="norm.p", hint=HINT_PARAM)
    check_close(got["p"], torch.tensor([want], dtype=torch.float32), call=call, what="norm.p",
                hint=HINT_PARAM)


@pytest.mark.points(3)
@pytest.mark.values
@BY_DEVICE_DTYPE.parametrize
def test_norm_value(subject, gen, device, dtype):
    """The value equals torch.linalg.vector_norm(x, ord=p) for p = 1, 2, 3, 4.5 (shape (1,))."""
    for p in PS:
        _checked_run(subject, gen, p, 7, dtype, device)


@pytest.mark.points(3)
@pytest.mark.gradients
@BY_DEVICE_DTYPE.parametrize
def test_norm_grad_p(subject, gen, device, dtype):
    """backward() fills norm.p.grad with dN/dp = N (sum(x^p ln x) / (p S) - ln S / p^2)."""
    for p in (3.0, 1.5, 4.5):
        x, call, got = _checked_run(subject, gen, p, 6, dtype, device)
        check_close(got["grad_p"], norm_grad_p(x, p), call=call, what="norm.p.grad",
                    tol=TOL("p gradient", dtype), hint=HINT_GRAD_P)


@pytest.mark.points(2)
@pytest.mark.gradients
@BY_DEVICE_FLOAT64.parametrize
def test_norm_grad_p_central_differences(subject, gen, device, dtype):
    """norm.p.grad equals the central difference (N(p + h) - N(p - h)) / 2h of the
    submission's own values (h = 2^-12, exact in float32)."""
    p, h = 3.0, 2.0 ** -12
    x, call, got = _checked_run(subject, gen, p, 5, dtype, device)
    shifted = subject.call("pnorm.values", ps=[p + h, p - h], x=x, dtype=dtype)
    for value in shifted:
        check_type(value, torch.Tensor, call=norm_call(p, x, f"p moved by +/-{h:g}"),
                   hint=HINT_DEVICE)
    numeric = ((shifted[0] - shifted[1]) / (2 * h)).reshape(1)
    check_close(got["grad_p"], numeric, tol=TOL("central differences"), call=call,
                what="norm.p.grad vs central differences", hint=HINT_GRAD_P)


@pytest.mark.points(3)
@pytest.mark.gradients
@BY_DEVICE_DTYPE.parametrize
def test_norm_grad_x(subject, gen, device, dtype):
    """x.grad = x^(p-1) / |x|_p^(p-1) for p = 1, 3, 4.5."""
    for p in (1.0, 3.0, 4.5):
        x, call, got = _checked_run(subject, gen, p, 8, dtype, device)
        check_close(got["grad_x"], norm_grad_x(x, p), call=call, what="x.grad",
                    hint=HINT_VALUE)


@pytest.mark.points(2)
@pytest.mark.values
@BY_DEVICE_DTYPE.parametrize
def test_norm_euclidean(subject, device, dtype):
    """The notebook's case: Norm() (p = 2) on x = torch.rand(3) (seed 42) is sqrt(sum x^2),
    with gradient x / |x|."""
    x = torch.rand(3, generator=torch.Generator().manual_seed(42)).to(device=device, dtype=dtype)
    call = norm_call(2.0, x, "then .backward()")
    got = run_submission(subject, 2.0, x, call)
    x64 = x.double()
    check_close(got["value"], torch.sqrt(torch.sum(x64 ** 2)).reshape(1).to(dtype), call=call,
                hint=HINT_VALUE)
    check_close(got["grad_x"], (x64 / torch.linalg.vector_norm(x64)).to(dtype), call=call,
                what="x.grad (the notebook's expected_grad, x / f(x))", hint=HINT_VALUE)


@pytest.mark.points(2)
@pytest.mark.values
@BY_DEVICE_DTYPE.parametrize
def test_norm_batches(subject, gen, device, dtype):
    """An n x B input gives the B column norms (shape (B,)), with the gradients of their sum."""
    p = 3.0
    x = positive(gen, (5, 4), dtype, device)
    call = norm_call(p, x, "columns are the vectors, then .sum().backward()")
    got = run_submission(subject, p, x, call)
    check_close(got["value"], norm_value(x, p), call=call, what="the column norms",
                hint=HINT_VALUE + " Sum over dim 0 only: each column is one vector.")
    check_gradients(got, x, p, call, tol_p=TOL("p gradient", dtype))


@pytest.mark.points(2)
@pytest.mark.device
@BY_DEVICE_DTYPE_AND_META.parametrize
def test_norm_device(subject, gen, device, dtype):
    """After norm.to(device, dtype) the result and p's gradient are on x's device in its dtype
    (on ``meta`` the same call's values are checked on the CPU)."""
    p = 3.0
    values_on = value_device(device)
    x = positive(gen, (4, 3), dtype, values_on)
    call = norm_call(p, x, "then .backward()")
    got = run_submission(subject, p, x, call)
    check_close(got["value"], norm_value(x, p), call=call, hint=HINT_VALUE)
    check_gradients(got, x, p, call, tol_p=TOL("p gradient", dtype))
    if device == "meta":
        x = x.to("meta")
        call = norm_call(p, x, "then .backward()")
        got = run_submission(subject, p, x, call)
    check_meta(got["value"], shape=(3,), dtype=dtype, device=device, call=call,
               hint=HINT_DEVICE)
    check_meta(got["grad_p"], shape=(1,), dtype=dtype, device=device, call=call,
               what="norm.p.grad", hint=HINT_DEVICE)
    check_meta(got["grad_x"], shape=(4, 3), dtype=dtype, device=device, call=call,
               what="x.grad", hint=HINT_DEVICE)
