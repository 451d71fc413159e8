"""What the elementwise_grad tests share: hints, the call of a failure message, the
submission's run, the closed-form derivative of the probe's functions, and the checks of a
result's values and of the caller's ``x``."""

from __future__ import annotations

from typing import Any

import torch

from spec_tests.checks import check_close, check_left_alone, check_meta, check_type, describe
from spec_tests.probes.elementwise_grad import TERMS, Terms

HINT_VALUE = ("autograd gives f'(x_i) for every i at once: y = f(x) on a copy of x that "
              "requires grad, then y.backward(torch.ones_like(y)) (or torch.autograd.grad with "
              "grad_outputs=torch.ones_like(y)); the gradient of that copy is the answer, not "
              "a mean or a sum of it.")
HINT_ONE_PASS = ("call f once on the whole x and differentiate its output once with a vector "
                 "of ones: no loop of one-hot backward calls, no retain_graph=True, no "
                 "create_graph=True.")
HINT_CALLER = ("differentiate a copy: p = x.detach().clone().requires_grad_(); the caller's "
               "x must keep its requires_grad and its .grad exactly as they were.")
HINT_DETACHED = ("return the gradient itself, detached (grad.detach()): no graph attached to "
                 "the result, and in x's dtype and on x's device (no .cpu(), .double(), "
                 ".item()).")

#: Each term's derivative, as a function of u = b * x (the terms are c * g(b * x)).
DERIVATIVES = {
    "sin": torch.cos,
    "cos": lambda u: -torch.sin(u),
    "exp": torch.exp,
    "tanh": lambda u: 1 - torch.tanh(u) ** 2,
    "sigmoid": lambda u: torch.sigmoid(u) * (1 - torch.sigmoid(u)),
    "softplus": torch.sigmoid,
    "square": lambda u: 2 * u,
    "cube": lambda u: 3 * u * u,
}
assert set(DERIVATIVES) == set(TERMS), "every term of the probe needs its derivative"


def function_text(terms: Terms) -> str:
    """``f(x) = 1*sin(1*x) + ...`` for a failure message."""
    return "f(x) = " + " + ".join(f"{float(c):g}*{name}({float(b):g}*x)" for name, c, b in terms)


def derivative_call(x: torch.Tensor, terms: Terms, note: str = "") -> str:
    """The call of a failure message: the function and the input's shape, dtype and device."""
    extra = f" ({note})" if note else ""
    return f"elementwise_grad(f, x) with {function_text(terms)}, x = {describe(x)}{extra}"


def closed_form(terms: Terms, x: torch.Tensor) -> torch.Tensor:
    """f'(x) of ``terms`` by the closed form, in float64 at x's own points, then in x's dtype
    and on x's device."""
    x64 = x.detach().cpu().to(torch.float64)
    total = torch.zeros_like(x64)
    for name, c, b in terms:
        total = total + float(c) * float(b) * DERIVATIVES[str(name)](float(b) * x64)
    return total.to(device=x.device, dtype=x.dtype)


def run_submission(subject: Any, x: torch.Tensor, terms: Terms, call: str, *,
                   requires_grad: bool = False, grad: torch.Tensor | None = None
                   ) -> dict[str, Any]:
    """The submission's run (the probe ``elementwise_grad.derivative``), its result a tensor."""
    __tracebackhide__ = True
    got = subject.call("elementwise_grad.derivative", x=x, terms=[list(t) for t in terms],
                       requires_grad=requires_grad, grad=grad)
    check_type(got["value"], torch.Tensor, call=call, hint=HINT_DETACHED)
    return got


def check_values(got: dict[str, Any], expected: torch.Tensor, call: str, tol: Any = None,
                 hint: str = HINT_VALUE) -> None:
    """The result equals ``expected`` (shape, dtype, device, finite, close)."""
    __tracebackhide__ = True
    check_close(got["value"], expected, call=call, what="f'(x)", tol=tol, hint=hint)


def check_placement(got: dict[str, Any], x: torch.Tensor, call: str) -> None:
    """The result has x's shape, dtype and device (``meta`` included: no data is read)."""
    __tracebackhide__ = True
    check_meta(got["value"], shape=tuple(x.shape), dtype=x.dtype, device=x.device.type,
               call=call, what="f'(x)", hint=HINT_DETACHED)


def check_caller_x(got: dict[str, Any], x: torch.Tensor, requires_grad: bool,
                   grad: torch.Tensor | None, call: str) -> None:
    """The caller's x afterwards: its values, requires_grad and .grad as they were."""
    __tracebackhide__ = True
    check_left_alone(got, "x", x, requires_grad, grad, call=call, hint=HINT_CALLER)
