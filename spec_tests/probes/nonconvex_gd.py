"""Probes run next to the student's ``nonconvex_gd.py``: they call it and return plain data.

The objective cannot cross the wire, so it is rebuilt here from plain data: a sum of terms
(:data:`TERMS`), e.g. the lecture's ``theta cos(4 theta) + 2 |theta|`` is
``[("theta_cos", 1, 4), ("abs", 2, 0)]``. The tests build the same objectives from
:func:`build` for the reference. Every verdict is the test's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

#: A term ``(name, a, b)`` of an objective, as a function of theta.
TERMS: dict[str, Callable[[torch.Tensor, float, float], torch.Tensor]] = {
    "theta_cos": lambda t, a, b: a * t * torch.cos(b * t),     # a theta cos(b theta)
    "abs": lambda t, a, b: a * torch.abs(t - b),                # a |theta - b|
    "square": lambda t, a, b: a * (t - b) ** 2,                 # a (theta - b)^2
    "sin": lambda t, a, b: a * torch.sin(b * t),                # a sin(b theta)
}

#: An objective as data: ``[(name, a, b), ...]``, the sum of its terms.
Terms = Sequence[Sequence[Any]]


def build(terms: Terms) -> Callable[[torch.Tensor], torch.Tensor]:
    """The objective ``theta -> sum of its terms``."""
    parts = [(TERMS[str(name)], float(a), float(b)) for name, a, b in terms]

    def objective(theta: torch.Tensor) -> torch.Tensor:
        total = None
        for term, a, b in parts:
            value = term(theta, a, b)
            total = value if total is None else total + value
        return total

    return objective


def _type_name(value: Any) -> str:
    t = type(value)
    return f"{t.__module__}.{t.__qualname__}"


def run(mod: Any, terms: Terms, **kwargs: Any) -> dict[str, Any]:
    """``gradient_descent(objective, **kwargs)`` (only the arguments the test gives, so that
    the defaults are the submission's) and what it returned: its type, and the two arrays
    when it is a pair."""
    out = mod.gradient_descent(build(terms), **kwargs)
    pair = type(out) in (tuple, list) and len(out) == 2
    return {
        "type": _type_name(out),
        "length": len(out) if type(out) in (tuple, list) else None,
        "types": [_type_name(part) for part in out] if pair else [],
        "theta": out[0] if pair else None,
        "obj": out[1] if pair else None,
    }
