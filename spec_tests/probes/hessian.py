"""Probes run next to the student's ``hessian.py``: they call it and return plain data.

The function cannot cross the wire, so it is rebuilt here from plain data (:func:`build`):
the autograd lab's ``get_loss``, a quadratic form, or a sum of ridge terms
``a_k g_k(u_k . w)``. While the submission runs, the library's Hessians
(``torch.autograd.functional.hessian``, ``torch.func.hessian``) are unavailable: calling one
raises :class:`ForbiddenCall`, whose message says what to do instead. The tests build the
same functions for their oracles. Every verdict is the test's.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

import torch
import torch.autograd.functional
import torch.func

#: The ridge terms' functions g, by name.
RIDGES: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "sin": torch.sin,
    "exp": torch.exp,
    "tanh": torch.tanh,
    "softplus": torch.nn.functional.softplus,
    "cube": lambda u: u * u * u,
    "log1p_square": lambda u: torch.log1p(u * u),
}

#: Where the library's Hessians live, and the name a student would know them by.
_LIBRARY = (("torch.autograd.functional", "hessian"), ("torch.func", "hessian"),
            ("torch._functorch.eager_transforms", "hessian"), ("functorch", "hessian"))


def get_loss(w: torch.Tensor) -> torch.Tensor:
    """The autograd lab's example: L = sum((y - w x)^2) with x = [1, 2, 3], y = 0. x comes
    from arange, not torch.tensor, which torch.func transforms refuse on ``meta``."""
    x = torch.arange(1.0, 4.0, dtype=w.dtype, device=w.device)
    y = torch.zeros(3, dtype=w.dtype, device=w.device)
    return torch.sum((y - w * x) ** 2)


def build(function: dict[str, Any]) -> Callable[[torch.Tensor], torch.Tensor]:
    """The scalar function ``function`` describes: ``{"kind": "lab"}``, ``{"kind":
    "quadratic", "A": A, "b": b}`` (w^T A w + b^T w) or ``{"kind": "ridge", "names": [...],
    "a": a, "U": U}`` (sum_k a_k RIDGES[names[k]](U[k] . w))."""
    kind = function["kind"]
    if kind == "lab":
        return get_loss
    if kind == "quadratic":
        a, b = function["A"], function["b"]
        return lambda w: w @ (a @ w) + b @ w
    if kind == "ridge":
        names, coefficients, directions = function["names"], function["a"], function["U"]

        def f(w: torch.Tensor) -> torch.Tensor:
            u = directions @ w
            return sum(coefficients[k] * RIDGES[name](u[k]) for k, name in enumerate(names))

        return f
    raise ValueError(f"unknown function kind {kind!r}")


class ForbiddenCall(RuntimeError):
    """The submission called a library Hessian, which this exercise asks it to write."""


def _blocked(name: str) -> Callable[..., Any]:
    def blocked(*args: Any, **kwargs: Any) -> Any:
        raise ForbiddenCall(
            f"{name} is not allowed in hessian.py: it is the oracle this exercise is checked "
            "against. Compute the Hessian by double backward: g = torch.autograd.grad(f(w), "
            "w, create_graph=True)[0], then one torch.autograd.grad of each g[i] gives row i.")

    return blocked


@contextlib.contextmanager
def library_hessians_unavailable(student: Any) -> Iterator[None]:
    """The library's Hessians raise :class:`ForbiddenCall` inside the block: on their modules
    and where the student's module imported them by name (``from ... import hessian``)."""
    originals: dict[int, str] = {}
    patched: list[tuple[Any, str, Any]] = []
    for module_name, attr in _LIBRARY:
        module = sys.modules.get(module_name)
        if module is not None and hasattr(module, attr):
            originals.setdefault(id(getattr(module, attr)), f"{module_name}.{attr}")
            patched.append((module, attr, getattr(module, attr)))
    for attr, value in list(vars(student).items()):
        if id(value) in originals:  # `from torch.func import hessian`, under any name
            patched.append((student, attr, value))
    try:
        for owner, attr, value in patched:
            setattr(owner, attr, _blocked(originals[id(value)]))
        yield
    finally:
        for owner, attr, value in reversed(patched):
            setattr(owner, attr, value)


def hessian(mod: Any, w: torch.Tensor, function: dict[str, Any], requires_grad: bool = False,
            grad: torch.Tensor | None = None) -> dict[str, Any]:
    """``hessian(f, w)`` with ``f`` built from ``function`` and the library's Hessians
    unavailable. The caller's ``w`` is set up as sent (``requires_grad``, a ``.grad`` already
    there) to see that the call leaves both alone."""
    f = build(function)
    w = w.detach().clone()
    if requires_grad:
        w.requires_grad_()
        if grad is not None:
            w.grad = grad.detach().clone()
    with library_hessians_unavailable(mod):
        out = mod.hessian(f, w)
    is_tensor = type(out) is torch.Tensor
    return {
        "value": out,
        "requires_grad": bool(is_tensor and out.requires_grad),
        "has_grad_fn": bool(is_tensor and out.grad_fn is not None),
        "w_requires_grad": w.requires_grad,
        "w_grad": None if w.grad is None else w.grad.detach().clone(),
        "w": w.detach().clone(),
        "grad_enabled_after": torch.is_grad_enabled(),
    }
