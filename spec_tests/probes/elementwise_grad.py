"""Probes run next to the student's ``elementwise_grad.py``: they call it and return data.

The function to differentiate cannot cross the wire, so it is rebuilt here from plain data:
a sum of terms ``c * g(b * x)`` (:data:`TERMS` names each ``g``). It is watched while the
submission runs: how often it is called, how many backward passes go through its graph, and
whether that graph is still held afterwards. The tests build the same functions from
:func:`build` for their oracles. Every verdict is the test's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

#: The elementwise functions a term may use, by name.
TERMS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "sin": torch.sin,
    "cos": torch.cos,
    "exp": torch.exp,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "softplus": torch.nn.functional.softplus,
    "square": torch.square,
    "cube": lambda u: u * u * u,
}

#: A function as data: ``[(name, c, b), ...]`` is ``x -> sum of c * TERMS[name](b * x)``.
Terms = Sequence[Sequence[Any]]


def build(terms: Terms) -> Callable[[torch.Tensor], torch.Tensor]:
    """The elementwise function ``x -> sum of c * g(b * x)`` of ``terms``."""
    parts = [(TERMS[str(name)], float(c), float(b)) for name, c, b in terms]

    def f(x: torch.Tensor) -> torch.Tensor:
        total = None
        for g, c, b in parts:
            term = c * g(b * x)
            total = term if total is None else total + term
        return total

    return f


class _Record:
    """What the probe saw of f: its calls, the backward passes through its graph and the
    contexts those passes went through. A plain object, not a dict: torch.func transforms copy the
    containers (pytrees) they are given, and the counts must reach this one."""

    def __init__(self) -> None:
        self.calls = 0
        self.backward_passes = 0
        self.contexts: list[Any] = []


class _Watch(torch.autograd.Function):
    """The identity, counting the backward passes through it and keeping the context of each
    so that the probe can tell afterwards whether that graph was freed."""

    # forward and setup_context apart, so that torch.func transforms (torch.func.grad of
    # the sum of f) can go through it as plain autograd does.
    generate_vmap_rule = True

    @staticmethod
    def forward(t: torch.Tensor, record: _Record) -> torch.Tensor:
        return t.clone()

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: torch.Tensor) -> None:
        t, record = inputs
        ctx.save_for_backward(t)
        ctx.record = record

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        ctx.record.backward_passes += 1
        ctx.record.contexts.append(ctx)  # a transform may set up contexts it never runs
        return grad, None


def _graph_held(record: _Record) -> bool:
    """Whether a graph that was differentiated still holds its saved tensors (retain_graph)."""
    for ctx in record.contexts:
        try:
            ctx.saved_tensors  # noqa: B018 - raises once backward has freed the graph
        except RuntimeError:
            continue
        return True
    return False


def derivative(mod: Any, x: torch.Tensor, terms: Terms, requires_grad: bool = False,
               grad: torch.Tensor | None = None) -> dict[str, Any]:
    """``elementwise_grad(f, x)`` with ``f`` built from ``terms`` and watched.

    The caller's ``x`` is set up as sent: ``requires_grad`` and a ``.grad`` already there
    (``grad``), to see that the call leaves both alone. Returns the result, how often ``f``
    was called, the backward passes through its graph, whether that graph is still held, and
    the caller's ``x`` afterwards.
    """
    record = _Record()
    inner = build(terms)

    def f(t: torch.Tensor) -> torch.Tensor:
        record.calls += 1
        return inner(_Watch.apply(t, record))

    x = x.detach().clone()
    if requires_grad:
        x.requires_grad_()
        if grad is not None:
            x.grad = grad.detach().clone()
    out = mod.elementwise_grad(f, x)
    is_tensor = type(out) is torch.Tensor
    return {
        "value": out,
        "calls": record.calls,
        "backward_passes": record.backward_passes,
        "graph_held": record.backward_passes > 0 and _graph_held(record),
        "requires_grad": bool(is_tensor and out.requires_grad),
        "has_grad_fn": bool(is_tensor and out.grad_fn is not None),
        "is_x_grad": is_tensor and x.grad is not None and out is x.grad,
        "x_requires_grad": x.requires_grad,
        "x_grad": None if x.grad is None else x.grad.detach().clone(),
        "x": x.detach().clone(),
        "grad_enabled_after": torch.is_grad_enabled(),
    }
