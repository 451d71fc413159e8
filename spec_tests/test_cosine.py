"""Public spec tests of ``cosine.py``: ``cosine_similarity(x, y) = <x, y> / (|x| |y|)``.

Expectations come from independent oracles computed here (``torch.nn.functional.
cosine_similarity`` and autograd, in the inputs' dtype and on their device) and from central
differences of the submission's own values in float64. The submission is reached only
through the probes of ``spec_tests/probes/cosine.py``.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from spec_tests.checks import (
    Overrides,
    check_close,
    check_meta,
    describe,
    fail,
    value_device,
)
from spec_tests.params import BY_DEVICE_DTYPE, BY_DEVICE_DTYPE_AND_META, BY_DEVICE_FLOAT64
from spec_tests.support.cosine import (
    HINT_DEVICE,
    HINT_GRAPH,
    HINT_VALUE,
    cosine_call,
    numeric_gradient,
    submission_grads,
)

#: Tolerance overrides of this module's checks (the others use checks.TOLERANCES).
TOL = Overrides({
    # Central differences with eps=1e-6 in float64 are exact to about 1e-9.
    "central differences": (1e-5, 1e-7),
})


def _vectors(gen: torch.Generator, n: int, dtype: torch.dtype, device: str
             ) -> tuple[torch.Tensor, torch.Tensor]:
    """Two random vectors drawn on the CPU from the test's seed, then moved to device."""
    x = torch.randn(n, generator=gen, dtype=torch.float64)
    y = torch.randn(n, generator=gen, dtype=torch.float64)
    return x.to(device=device, dtype=dtype), y.to(device=device, dtype=dtype)


def oracle(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Value and both gradients by torch.nn.functional.cosine_similarity and autograd."""
    xr = x.detach().clone().requires_grad_()
    yr = y.detach().clone().requires_grad_()
    out = F.cosine_similarity(xr, yr, dim=0)
    out.backward()
    return out.detach(), xr.grad, yr.grad


@pytest.mark.points(4)
@pytest.mark.values
@BY_DEVICE_DTYPE.parametrize
def test_cosine_value(subject, gen, device, dtype):
    """The value equals torch.nn.functional.cosine_similarity's on random and seed inputs."""
    seed_pair = (torch.tensor([0.0, 1.0, 2.0]), torch.tensor([3.0, 0.9, 2.2]))
    cases = [_vectors(gen, 3, dtype, device), _vectors(gen, 50, dtype, device),
             tuple(t.to(device=device, dtype=dtype) for t in seed_pair)]
    for x, y in cases:
        got = subject.call("cosine.value", x=x, y=y)
        check_close(got, oracle(x, y)[0], call=cosine_call(x, y), hint=HINT_VALUE)


@pytest.mark.points(4)
@pytest.mark.gradients
@BY_DEVICE_DTYPE.parametrize
def test_cosine_gradients(subject, gen, device, dtype):
    """backward() through the result gives the oracle's gradients with respect to x and y."""
    for n in (3, 20):
        x, y = _vectors(gen, n, dtype, device)
        call = cosine_call(x, y, "then .backward()")
        got = submission_grads(subject, x, y, call)
        want, gx, gy = oracle(x, y)
        check_close(got["value"], want, call=call, hint=HINT_VALUE)
        check_close(got["grad_x"], gx, call=call, what="x.grad", hint=HINT_VALUE)
        check_close(got["grad_y"], gy, call=call, what="y.grad", hint=HINT_VALUE)


@pytest.mark.points(3)
@pytest.mark.gradients
@BY_DEVICE_FLOAT64.parametrize
def test_cosine_gradients_central_differences(subject, gen, device, dtype):
    """Autograd's gradients equal central differences of the submission's own values."""
    n, eps = 6, 1e-6
    x, y = _vectors(gen, n, dtype, device)
    call = cosine_call(x, y, "then .backward()")
    got = submission_grads(subject, x, y, call)
    # Agreeing with its own values earns nothing unless the values are the cosine's.
    check_close(got["value"], oracle(x, y)[0], call=call, hint=HINT_VALUE)
    for name in ("x", "y"):
        numeric = numeric_gradient(subject, x, y, name, eps,
                                   call=cosine_call(x, y, f"{name} moved by +/-{eps:g}"))
        check_close(got[f"grad_{name}"], numeric.to(device), tol=TOL("central differences"),
                    call=call, what=f"{name}.grad vs central differences",
                    hint="the gradient must be the derivative of the value you return: "
                         "compute in x's dtype (no float32 on the way) and keep every step "
                         "a torch op.")


@pytest.mark.points(3)
@pytest.mark.values
@BY_DEVICE_DTYPE.parametrize
def test_cosine_colinear(subject, gen, device, dtype):
    """x = alpha * y gives sign(alpha) with both gradients about 0."""
    other, y = _vectors(gen, 5, dtype, device)
    # The property earns nothing unless the cosine is right off the colinear pairs too.
    check_close(subject.call("cosine.value", x=other, y=y), oracle(other, y)[0],
                call=cosine_call(other, y), hint=HINT_VALUE)
    for alpha in (2.0, -0.5, 3.7):
        x = alpha * y
        call = cosine_call(x, y, f"x = {alpha} * y, then .backward()")
        got = submission_grads(subject, x, y, call)
        hint = ("colinear vectors have cosine +1 (alpha > 0) or -1 (alpha < 0) and a zero "
                "gradient: a lost sign (abs) or an eps added to the norms shows here.")
        check_close(got["value"], torch.tensor(1.0 if alpha > 0 else -1.0, dtype=dtype,
                                               device=device), call=call, hint=hint)
        check_close(got["grad_x"], torch.zeros_like(x), call=call, what="x.grad", hint=hint)
        check_close(got["grad_y"], torch.zeros_like(y), call=call, what="y.grad", hint=hint)


@pytest.mark.points(2)
@pytest.mark.values
@BY_DEVICE_DTYPE.parametrize
def test_cosine_symmetry_and_scale_invariance(subject, gen, device, dtype):
    """g(y, x) = g(x, y) and g(a x, b y) = sign(a b) g(x, y), tiny and huge scales included."""
    x, y = _vectors(gen, 8, dtype, device)
    base = subject.call("cosine.value", x=x, y=y)
    # Symmetric, scale-invariant garbage (a constant, a sign) earns nothing: base is checked.
    check_close(base, oracle(x, y)[0], call=cosine_call(x, y), hint=HINT_VALUE)
    swapped = subject.call("cosine.value", x=y, y=x)
    check_close(swapped, base, call="cosine_similarity(y, x) vs cosine_similarity(x, y) with "
                f"x = {describe(x)}", hint="the formula is symmetric in x and y.")
    for a, b in ((1e-3, 1e-3), (1e3, 2.5), (-4.0, 0.5)):
        got = subject.call("cosine.value", x=a * x, y=b * y)
        expected = base if a * b > 0 else -base
        check_close(got, expected, call=f"cosine_similarity({a:g} * x, {b:g} * y) vs "
                    f"{'' if a * b > 0 else '-'}cosine_similarity(x, y) with x = {describe(x)}",
                    hint="scaling x or y must not change the cosine (only a negative factor "
                         "flips its sign): an eps added to the norms breaks small vectors.")


def _value_then_meta(gen: torch.Generator, n: int, dtype: torch.dtype, device: str
                     ) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The inputs of a case: on its device; for ``meta``, on the CPU first (values to check),
    then the same on ``meta``."""
    x, y = _vectors(gen, n, dtype, value_device(device))
    return [(x, y)] + ([(x.to("meta"), y.to("meta"))] if device == "meta" else [])


@pytest.mark.points(2)
@pytest.mark.device
@BY_DEVICE_DTYPE_AND_META.parametrize
def test_cosine_output_meta(subject, gen, device, dtype):
    """The result is a 0-d torch.Tensor of x's dtype on x's device (meta too: no data used),
    and the cosine's value (on the CPU for the meta case)."""
    for x, y in _value_then_meta(gen, 4, dtype, device):
        got = subject.call("cosine.value", x=x, y=y)
        check_meta(got, shape=(), dtype=dtype, device=x.device.type, call=cosine_call(x, y),
                   hint=HINT_DEVICE)
        if x.device.type != "meta":
            check_close(got, oracle(x, y)[0], call=cosine_call(x, y), hint=HINT_VALUE)


@pytest.mark.points(2)
@pytest.mark.gradients
@BY_DEVICE_DTYPE_AND_META.parametrize
def test_cosine_keeps_graph(subject, gen, device, dtype):
    """With x and y requiring grad the result has a grad_fn, and grad mode is left on; the
    value and gradients are the cosine's (on the CPU for the meta case)."""
    for x, y in _value_then_meta(gen, 4, dtype, device):
        call = cosine_call(x.requires_grad_(), y.requires_grad_())
        got = subject.call("cosine.value_and_grads", x=x, y=y)
        check_meta(got["value"], shape=(), dtype=dtype, device=x.device.type, call=call,
                   hint=HINT_GRAPH)
        problems = []
        if not got["requires_grad"]:
            problems.append("result.requires_grad is False, but should be True")
        if not got["has_grad_fn"]:
            problems.append("result.grad_fn is None, but the result should come out of the "
                            "graph")
        if not got["grad_enabled_after"]:
            problems.append("autograd is switched off after the call (torch.set_grad_enabled?)")
        if problems:
            fail(call, "the autograd graph is not kept", problems, HINT_GRAPH)
        if x.device.type != "meta":
            want, gx, gy = oracle(x, y)
            check_close(got["value"], want, call=call, hint=HINT_VALUE)
            check_close(got["grad_x"], gx, call=call, what="x.grad", hint=HINT_GRAPH)
            check_close(got["grad_y"], gy, call=call, what="y.grad", hint=HINT_GRAPH)
