"""What the hessian tests share: hints, the call of a failure message, the functions as data
(the lab's example, quadratic forms, ridge sums), the library oracle, the submission's run and
the checks of its result and of the caller's ``w``."""

from __future__ import annotations

from typing import Any

import torch
import torch.autograd.functional

from grader.memo import submission_independent
from spec_tests.checks import Tol, check_close, check_left_alone, check_type, describe
from spec_tests.probes.hessian import RIDGES, build

Function = dict[str, Any]

HINT_VALUE = ("H[i, j] = d/dw_j (df/dw_i): take g = torch.autograd.grad(f(p), p, "
              "create_graph=True)[0] on a copy p of w that requires grad, then row i is "
              "torch.autograd.grad(g[i], p, retain_graph=True)[0] (not g g^T, not only the "
              "diagonal).")
HINT_CALLER = ("differentiate a copy: p = w.detach().clone().requires_grad_(); the caller's "
               "w must keep its requires_grad and .grad, and the result is detached.")
HINT_DEVICE = ("build H from torch operations on w's device in w's dtype (torch.stack of the "
               "rows): no .cpu(), .item(), .numpy(), .double() or python lists on the way.")

LAB = {"kind": "lab"}
#: The lab's example: at w = [4, 5, 6] its Hessian is diag(2, 8, 18) (2 x_i^2, x = [1, 2, 3]).
LAB_W = (4.0, 5.0, 6.0)
LAB_HESSIAN = ((2.0, 0.0, 0.0), (0.0, 8.0, 0.0), (0.0, 0.0, 18.0))


def quadratic(a: torch.Tensor, b: torch.Tensor) -> Function:
    """f(w) = w^T A w + b^T w: its Hessian is A + A^T, exactly."""
    return {"kind": "quadratic", "A": a, "b": b}


def ridge(names: list[str], a: torch.Tensor, u: torch.Tensor) -> Function:
    """f(w) = sum_k a_k g_k(u_k . w), g_k = RIDGES[names[k]]."""
    assert all(name in RIDGES for name in names)
    return {"kind": "ridge", "names": list(names), "a": a, "U": u}


def on(function: Function, dtype: torch.dtype, device: str) -> Function:
    """The same function with its tensors in ``dtype`` on ``device``."""
    return {k: v.to(device=device, dtype=dtype) if isinstance(v, torch.Tensor) else v
            for k, v in function.items()}


def function_text(function: Function) -> str:
    """What f is, for a failure message."""
    kind = function["kind"]
    if kind == "lab":
        return "f = the lab's get_loss (sum((y - w * x)^2), x = [1, 2, 3], y = 0)"
    if kind == "quadratic":
        return f"f(w) = w^T A w + b^T w with A = {describe(function['A'])}"
    return (f"f(w) = sum_k a_k g_k(U[k] . w) with g = {function['names']}, "
            f"U = {describe(function['U'])}")


def hessian_call(w: torch.Tensor, function: Function, note: str = "") -> str:
    """The call of a failure message."""
    extra = f" ({note})" if note else ""
    return f"hessian(f, w) with {function_text(function)}, w = {describe(w)}{extra}"


@submission_independent
def library_hessian(function: Function, w: torch.Tensor) -> torch.Tensor:
    """The oracle: torch.autograd.functional.hessian in float64 on the CPU, then in w's dtype
    on w's device."""
    w64 = w.detach().cpu().to(torch.float64)
    f = build(on(function, torch.float64, "cpu"))
    return torch.autograd.functional.hessian(f, w64).to(device=w.device, dtype=w.dtype)


def run_submission(subject: Any, w: torch.Tensor, function: Function, call: str, *,
                   requires_grad: bool = False, grad: torch.Tensor | None = None
                   ) -> dict[str, Any]:
    """The submission's run (the probe ``hessian.hessian``), its result a tensor."""
    __tracebackhide__ = True
    got = subject.call("hessian.hessian", w=w, function=function, requires_grad=requires_grad,
                       grad=grad)
    check_type(got["value"], torch.Tensor, call=call, hint=HINT_DEVICE)
    return got


def check_hessian(got: dict[str, Any], expected: torch.Tensor, call: str,
                  tol: Tol | None = None) -> None:
    """The result equals ``expected`` (n x n, dtype, device, finite, close)."""
    __tracebackhide__ = True
    check_close(got["value"], expected, call=call, what="H", tol=tol, hint=HINT_VALUE)


def check_caller_w(got: dict[str, Any], w: torch.Tensor, requires_grad: bool,
                   grad: torch.Tensor | None, call: str) -> None:
    """The caller's w afterwards (values, requires_grad, .grad), and the result detached."""
    __tracebackhide__ = True
    problems = []
    if got["requires_grad"] or got["has_grad_fn"]:
        problems.append("the result is attached to a graph (requires_grad or grad_fn set)")
    if not got["grad_enabled_after"]:
        problems.append("autograd is switched off after the call (torch.set_grad_enabled?)")
    check_left_alone(got, "w", w, requires_grad, grad, call=call, hint=HINT_CALLER,
                     problems=problems)
