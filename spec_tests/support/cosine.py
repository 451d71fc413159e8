"""What the cosine tests share: hints, the call of a failure message, the submission's
gradients, and central differences of its own values."""

from __future__ import annotations

from typing import Any

import torch

from spec_tests.checks import central_differences, check_type, describe, fail

HINT_VALUE = ("cosine_similarity(x, y) = <x, y> / (|x| * |y|): divide by the norms of both "
              "vectors (not their squares, not their sum) and keep the sign of the dot product.")
HINT_GRAPH = ("build the result from torch operations on x and y only: .item(), float(), "
              ".detach(), .numpy() or torch.tensor(<a number>) cut the autograd graph.")
HINT_DEVICE = ("return the 0-d tensor that your torch operations produce, on x's device and "
               "in x's dtype: no .cpu(), .item(), .float(), reshape to (1,) or python float.")


def cosine_call(x: torch.Tensor, y: torch.Tensor, note: str = "") -> str:
    """The call of a failure message, with the inputs' shape, dtype and device."""
    extra = f" ({note})" if note else ""
    return f"cosine_similarity(x, y) with x = {describe(x)}, y = {describe(y)}{extra}"


def submission_grads(subject: Any, x: torch.Tensor, y: torch.Tensor, call: str) -> dict[str, Any]:
    """The submission's value and gradients; fails clearly when there is no graph to follow."""
    __tracebackhide__ = True
    got = subject.call("cosine.value_and_grads", x=x, y=y)
    check_type(got["value"], torch.Tensor, call=call, hint=HINT_GRAPH)
    if not got["requires_grad"]:
        fail(call, "the result does not require grad although x and y do", hint=HINT_GRAPH)
    for name in ("grad_x", "grad_y"):
        check_type(got[name], torch.Tensor, call=call, what=f"{name} after backward()",
                   hint=HINT_GRAPH)
    return got


def numeric_gradient(subject: Any, x: torch.Tensor, y: torch.Tensor, wrt: str, eps: float,
                     call: str) -> torch.Tensor:
    """The gradient of the submission's cosine with respect to x (``wrt="x"``) or y, by central
    differences of its own values (the probe ``cosine.values``: no autograd)."""
    __tracebackhide__ = True
    moved, other = (x, y) if wrt == "x" else (y, x)
    fixed = other.expand(2 * moved.numel(), moved.numel())

    def values(rows: torch.Tensor) -> Any:
        xs, ys = (rows, fixed) if wrt == "x" else (fixed, rows)
        return subject.call("cosine.values", xs=xs, ys=ys)

    return central_differences(values, moved, eps, call=call, hint=HINT_DEVICE)
