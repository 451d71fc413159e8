"""Short, human descriptions of values for failure messages."""

from __future__ import annotations

from typing import Any

import numpy as np


def describe(value: Any) -> str:
    """``Tensor(shape=(3,), dtype=float32, device=cpu)``-style summary of a value."""
    t = type(value)
    if t is np.ndarray:
        return f"ndarray(shape={tuple(value.shape)}, dtype={value.dtype})"
    if t.__module__.startswith("torch") and t.__name__ == "Tensor":
        grad = ", requires_grad=True" if value.requires_grad else ""
        dtype = str(value.dtype).removeprefix("torch.")
        return f"Tensor(shape={tuple(value.shape)}, dtype={dtype}, device={value.device}{grad})"
    if t in (list, tuple):
        inner = ", ".join(describe(v) for v in value[:4])
        more = ", ..." if len(value) > 4 else ""
        return f"{t.__name__}[{inner}{more}]"
    if t is dict:
        return "{" + ", ".join(f"{k}: {describe(v)}" for k, v in value.items()) + "}"
    if t in (int, float, bool, str) or value is None:
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "..."
    return f"<{t.__module__}.{t.__qualname__}>"


def describe_call(name: str, inputs: dict[str, Any]) -> str:
    """``cosine.value_and_grads(x=Tensor(...), y=Tensor(...))``."""
    args = ", ".join(f"{k}={describe(v)}" for k, v in inputs.items())
    return f"{name}({args})"
