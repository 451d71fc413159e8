"""Probes run next to the student's ``cosine.py``: they call it and return plain data.

Facts only visible here (does the result carry a ``grad_fn``?) come back as bools and strs;
every verdict is the test's.
"""

from __future__ import annotations

from typing import Any

import torch


def _type_name(value: Any) -> str:
    t = type(value)
    return f"{t.__module__}.{t.__qualname__}"


def value(mod: Any, x: torch.Tensor, y: torch.Tensor) -> Any:
    """``cosine_similarity(x, y)`` as returned (x, y as sent, requires_grad included)."""
    return mod.cosine_similarity(x, y)


def values(mod: Any, xs: torch.Tensor, ys: torch.Tensor) -> list[Any]:
    """``cosine_similarity(xs[i], ys[i])`` for every row i, without autograd."""
    with torch.no_grad():
        return [mod.cosine_similarity(x, y) for x, y in zip(xs, ys, strict=True)]


def value_and_grads(mod: Any, x: torch.Tensor, y: torch.Tensor) -> dict[str, Any]:
    """The value and, through ``backward()``, the gradients with respect to x and y.

    ``backward`` runs only when the result is a tensor that requires grad; otherwise the
    gradients come back as None and the graph facts say why.
    """
    x = x.detach().clone().requires_grad_()
    y = y.detach().clone().requires_grad_()
    out = mod.cosine_similarity(x, y)
    is_tensor = type(out) is torch.Tensor
    facts = {
        "type": _type_name(out),
        "requires_grad": bool(is_tensor and out.requires_grad),
        "has_grad_fn": bool(is_tensor and out.grad_fn is not None),
        "grad_enabled_after": torch.is_grad_enabled(),
    }
    if is_tensor and out.requires_grad:
        out.sum().backward()
    return {"value": out, "grad_x": x.grad, "grad_y": y.grad, **facts}
