"""Public spec tests of ``elementwise_grad.py``: ``elementwise_grad(f, x)``, the derivative of
an elementwise ``f`` at every point of a 1-D ``x``, by autograd in one backward pass.

The polyfit notebook's "Very Brief Introduction to Autograd" differentiates sin on
linspace(-2 pi, 2 pi, 100) with one backward call per element; here one pass must do. The
expectations are closed-form derivatives evaluated in float64 at the inputs' own points. The
function is rebuilt next to the submission by the probe (``spec_tests/probes/
elementwise_grad.py``), which also counts its calls and the backward passes through it.
"""

from __future__ import annotations

import math

import pytest
import torch

from spec_tests.checks import fail, value_device
from spec_tests.params import BY_DEVICE_DTYPE, BY_DEVICE_DTYPE_AND_META, DEVICES, FLOAT_DTYPES, grid
from spec_tests.support.elementwise_grad import (
    HINT_DETACHED,
    HINT_ONE_PASS,
    check_caller_x,
    check_placement,
    check_values,
    closed_form,
    derivative_call,
    run_submission,
)

#: The notebook's function: d sin(x) / dx = cos(x).
SIN = [("sin", 1.0, 1.0)]
#: More elementwise functions, by name (as ``(term, c, b)``: c * term(b * x)).
FUNCTIONS = {
    "cube": [("cube", 1.0, 1.0)],
    "exp-tanh": [("exp", 0.5, 0.7), ("tanh", -2.0, 1.5)],
    "sigmoid-softplus-square": [("sigmoid", 3.0, -1.0), ("softplus", 1.0, 2.0),
                                ("square", -0.25, 1.0)],
    "cos": [("cos", 2.0, -3.0)],
}
FUNCTION_CASES = grid(function=list(FUNCTIONS), device=DEVICES, dtype=FLOAT_DTYPES,
                      unsupported="skip")
#: The caller's x before the call: requires_grad, and a .grad already there.
CALLER_STATES = {"plain": (False, False), "requires-grad": (True, False),
                 "with-grad": (True, True)}


def _notebook_x(dtype: torch.dtype, device: str) -> torch.Tensor:
    """The notebook's points: linspace(-2 pi, 2 pi, 100)."""
    return torch.linspace(-2 * math.pi, 2 * math.pi, 100, dtype=torch.float64).to(
        device=device, dtype=dtype)


def _points(gen: torch.Generator, n: int, dtype: torch.dtype, device: str) -> torch.Tensor:
    """n points in [-3, 3] drawn on the CPU from the test's seed."""
    return (6 * torch.rand(n, generator=gen, dtype=torch.float64) - 3).to(device=device,
                                                                          dtype=dtype)


@pytest.mark.points(5)
@pytest.mark.gradients
@BY_DEVICE_DTYPE.parametrize
def test_elementwise_grad_sin(subject, device, dtype):
    """The notebook's example: the derivative of sin on linspace(-2 pi, 2 pi, 100) is cos."""
    x = _notebook_x(dtype, device)
    call = derivative_call(x, SIN)
    got = run_submission(subject, x, SIN, call)
    check_values(got, torch.cos(x.double()).to(dtype), call)


@pytest.mark.points(4)
@pytest.mark.gradients
@FUNCTION_CASES.parametrize
def test_elementwise_grad_functions(subject, gen, function, device, dtype):
    """Other elementwise functions (polynomial, exp, tanh, sigmoid, softplus, cos) at random
    points and at a single point."""
    terms = FUNCTIONS[function]
    for x in (_points(gen, 37, dtype, device), _points(gen, 1, dtype, device)):
        call = derivative_call(x, terms)
        check_values(run_submission(subject, x, terms, call), closed_form(terms, x), call)


@pytest.mark.points(3)
@pytest.mark.gradients
@BY_DEVICE_DTYPE.parametrize
def test_elementwise_grad_one_pass(subject, gen, device, dtype):
    """f is called once and its graph differentiated once (no loop of one-hot backward
    calls), and the graph is not retained afterwards."""
    terms = FUNCTIONS["exp-tanh"]
    x = _points(gen, 25, dtype, device)
    call = derivative_call(x, terms)
    got = run_submission(subject, x, terms, call)
    check_values(got, closed_form(terms, x), call)
    problems = []
    if got["calls"] != 1:
        problems.append(f"f was called {got['calls']} times, but should be called once")
    if got["backward_passes"] != 1:
        problems.append(f"f's graph was differentiated {got['backward_passes']} times, but "
                        "should be once (backward() or torch.autograd.grad)")
    if got["graph_held"]:
        problems.append("f's graph is still held after the call (retain_graph=True or "
                        "create_graph=True)")
    if problems:
        fail(call, "not one backward pass", problems, HINT_ONE_PASS)


@pytest.mark.points(3)
@pytest.mark.gradients
@grid(state=list(CALLER_STATES), device=DEVICES, dtype=FLOAT_DTYPES,
      unsupported="skip").parametrize
def test_elementwise_grad_leaves_x_alone(subject, gen, state, device, dtype):
    """The caller's x keeps its values, its requires_grad and its .grad (None, or a tensor
    already there) as they were."""
    requires_grad, has_grad = CALLER_STATES[state]
    terms = FUNCTIONS["sigmoid-softplus-square"]
    x = _points(gen, 9, dtype, device)
    grad = _points(gen, 9, dtype, device) if has_grad else None
    call = derivative_call(x.requires_grad_(requires_grad), terms,
                           "with x.grad already set" if has_grad else "")
    got = run_submission(subject, x, terms, call, requires_grad=requires_grad, grad=grad)
    check_values(got, closed_form(terms, x), call)
    check_caller_x(got, x.detach(), requires_grad, grad, call)


@pytest.mark.points(2)
@pytest.mark.gradients
@BY_DEVICE_DTYPE.parametrize
def test_elementwise_grad_result_detached(subject, gen, device, dtype):
    """The result is detached (no graph attached) and autograd is left on, even for an x
    that requires grad."""
    terms = FUNCTIONS["cos"]
    x = _points(gen, 12, dtype, device)
    call = derivative_call(x.requires_grad_(), terms)
    got = run_submission(subject, x, terms, call, requires_grad=True)
    check_values(got, closed_form(terms, x), call)
    problems = []
    if got["requires_grad"] or got["has_grad_fn"]:
        problems.append("the result is attached to a graph (requires_grad or grad_fn set)")
    if got["is_x_grad"]:
        problems.append("the result is the caller's x.grad itself")
    if not got["grad_enabled_after"]:
        problems.append("autograd is switched off after the call (torch.set_grad_enabled?)")
    if problems:
        fail(call, "the result is not a plain detached tensor", problems, HINT_DETACHED)


@pytest.mark.points(3)
@pytest.mark.device
@BY_DEVICE_DTYPE_AND_META.parametrize
def test_elementwise_grad_placement(subject, device, dtype):
    """The result has x's shape, dtype and device; on ``meta`` (no data) the same call's
    values are checked on the CPU, so only right values earn the placement."""
    values_on = value_device(device)
    x = _notebook_x(dtype, values_on)
    call = derivative_call(x, SIN)
    got = run_submission(subject, x, SIN, call)
    check_values(got, torch.cos(x.double()).to(dtype), call)
    if device == "meta":
        x = x.to("meta")
        call = derivative_call(x, SIN)
        got = run_submission(subject, x, SIN, call)
    check_placement(got, x, call)
