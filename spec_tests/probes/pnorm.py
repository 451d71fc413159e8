"""Probes run next to the student's ``pnorm.py``: they build a ``Norm``, run it forward and
backward, and return plain data.

A ``Parameter`` is a Tensor subclass, which the wire does not carry: its values come back as
a plain tensor and its kind as the type's name. Every verdict is the test's.
"""

from __future__ import annotations

from typing import Any

import torch


def _type_name(value: Any) -> str:
    t = type(value)
    return f"{t.__module__}.{t.__qualname__}"


def _plain(value: Any) -> Any:
    """A tensor's values as a plain tensor (a Parameter's too), anything else as it is."""
    return value.detach().clone().as_subclass(torch.Tensor) if isinstance(value, torch.Tensor) \
        else value


def parameter(mod: Any, p: float | None = None) -> dict[str, Any]:
    """``Norm()`` (``p`` None) or ``Norm(p=p)``: what its ``p`` is, and its parameters."""
    norm = mod.Norm() if p is None else mod.Norm(p=p)
    held = getattr(norm, "p", None)
    params = list(norm.parameters())
    return {
        "p": _plain(held),
        "type": _type_name(held),
        "requires_grad": bool(getattr(held, "requires_grad", False)),
        "n_parameters": len(params),
        "registered": any(q is held for q in params),
    }


def forward_backward(mod: Any, p: float, x: torch.Tensor, device: str,
                     dtype: torch.dtype) -> dict[str, Any]:
    """``Norm(p=p).to(device, dtype)(x)``, then ``backward()`` of the sum of the result: the
    value and the gradients with respect to x and p."""
    norm = mod.Norm(p=p).to(device=device, dtype=dtype)
    x = x.detach().clone().requires_grad_()
    out = norm(x)
    is_tensor = type(out) is torch.Tensor
    if is_tensor and out.requires_grad:
        out.sum().backward()
    held = getattr(norm, "p", None)
    grad_p = getattr(held, "grad", None)
    return {
        "value": out,
        "grad_x": x.grad,
        "grad_p": _plain(grad_p),
        "p_device": str(getattr(held, "device", "")),
    }


def values(mod: Any, ps: list[float], x: torch.Tensor, dtype: torch.dtype) -> list[Any]:
    """``Norm(p=q).to(dtype)(x)`` for every q of ``ps``, without autograd."""
    with torch.no_grad():
        return [mod.Norm(p=q).to(device=x.device, dtype=dtype)(x) for q in ps]
