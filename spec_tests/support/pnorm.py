"""What the pnorm tests share: hints, the call of a failure message, the submission's run, and
closed-form oracles of the p-norm and its gradients with respect to x and p (float64, at the
inputs' own points)."""

from __future__ import annotations

from typing import Any

import torch

from spec_tests.checks import Tol, check_close, check_type, describe, fail

HINT_VALUE = ("forward(x) = torch.pow(torch.sum(torch.pow(x, self.p), dim=0), 1 / self.p): the "
              "sum over dim 0 of x^p, then the 1/p-th power (not a mean, not a missing root).")
HINT_GRAD_P = ("keep p a tensor all the way: both x^p and the 1/p root depend on p, so no "
               "p.item(), float(p) or p.detach() anywhere in forward.")
HINT_PARAM = ("self.p = torch.nn.Parameter(torch.tensor([p], dtype=torch.float32)): a "
              "Parameter (so that norm.parameters() and norm.to() see it), of shape (1,).")
HINT_DEVICE = ("use torch operations on x and self.p only: the module's .to(device, dtype) "
               "moves p, and the result stays on x's device (no .cpu(), .item(), .numpy()).")


def norm_call(p: float, x: torch.Tensor, note: str = "") -> str:
    """The call of a failure message."""
    extra = f" ({note})" if note else ""
    return f"Norm(p={p:g})(x) with x = {describe(x)}{extra}"


def _shape(value: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """The notebook's output shape: (1,) for a vector, (B,) for an n x B batch."""
    return value.reshape(1) if x.dim() == 1 else value


def norm_value(x: torch.Tensor, p: float) -> torch.Tensor:
    """|x|_p over dim 0 by torch.linalg.vector_norm, in float64, then in x's dtype/device."""
    x64 = x.detach().cpu().to(torch.float64)
    value = torch.linalg.vector_norm(x64, ord=p, dim=0)
    return _shape(value, x).to(device=x.device, dtype=x.dtype)


def norm_grad_x(x: torch.Tensor, p: float) -> torch.Tensor:
    """d/dx of the sum of the norms: x^(p-1) / |x|_p^(p-1), column by column."""
    x64 = x.detach().cpu().to(torch.float64)
    norm = torch.linalg.vector_norm(x64, ord=p, dim=0)
    return (x64 ** (p - 1) / norm ** (p - 1)).to(device=x.device, dtype=x.dtype)


def norm_grad_p(x: torch.Tensor, p: float) -> torch.Tensor:
    """d/dp of the sum of the norms, in closed form: with S = sum x^p and N = S^(1/p),
    dN/dp = N (sum(x^p ln x) / (p S) - ln S / p^2); shape (1,) like p."""
    x64 = x.detach().cpu().to(torch.float64)
    s = torch.sum(x64 ** p, dim=0)
    n = s ** (1 / p)
    dn = n * (torch.sum(x64 ** p * torch.log(x64), dim=0) / (p * s) - torch.log(s) / p ** 2)
    return dn.sum().reshape(1).to(device=x.device, dtype=x.dtype)


def positive(gen: torch.Generator, shape: tuple[int, ...], dtype: torch.dtype, device: str,
             low: float = 0.1, high: float = 2.0) -> torch.Tensor:
    """Positive inputs in [low, high), drawn on the CPU from ``gen``."""
    x = low + (high - low) * torch.rand(shape, generator=gen, dtype=torch.float64)
    return x.to(device=device, dtype=dtype)


def run_submission(subject: Any, p: float, x: torch.Tensor, call: str) -> dict[str, Any]:
    """The submission's forward and backward (the probe ``pnorm.forward_backward``), with the
    value a tensor and both gradients there."""
    __tracebackhide__ = True
    device = "meta" if x.device.type == "meta" else str(x.device)
    got = subject.call("pnorm.forward_backward", p=p, x=x, device=device, dtype=x.dtype)
    check_type(got["value"], torch.Tensor, call=call, hint=HINT_DEVICE)
    for name, hint in (("grad_x", HINT_VALUE), ("grad_p", HINT_GRAD_P)):
        if got[name] is None:
            fail(call, f"{'x' if name == 'grad_x' else 'norm.p'}.grad is None after backward(): "
                 "the result does not depend on it through autograd", hint=hint)
    return got


def check_gradients(got: dict[str, Any], x: torch.Tensor, p: float, call: str,
                    tol_x: Tol | None = None, tol_p: Tol | None = None) -> None:
    """x.grad and p.grad equal the closed forms."""
    __tracebackhide__ = True
    check_close(got["grad_x"], norm_grad_x(x, p), call=call, what="x.grad", tol=tol_x,
                hint=HINT_VALUE)
    check_close(got["grad_p"], norm_grad_p(x, p), call=call, what="norm.p.grad", tol=tol_p,
                hint=HINT_GRAD_P)
