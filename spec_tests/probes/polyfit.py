"""Probes run next to the student's ``polyfit.py``: they call it and return plain data.

Facts only visible here (the keys of the returned dict, the exception raised) come back as
strs; every verdict is the test's.
"""

from __future__ import annotations

from typing import Any


def _type_name(value: Any) -> str:
    t = type(value)
    return f"{t.__module__}.{t.__qualname__}"


def dpoly_dw(mod: Any, x: Any, w: Any) -> Any:
    """``dpoly_dw(x, w)`` as returned."""
    return mod.dpoly_dw(x, w)


def poly(mod: Any, x: Any, w: Any) -> Any:
    """``poly(x, w)`` as returned."""
    return mod.poly(x, w)


def train(mod: Any, x: Any, y: Any, **kwargs: Any) -> dict[str, Any]:
    """``train(x, y, **kwargs)``: its ``w``, ``mse_trace`` and ``seconds``, and what it returned.

    Only the three keys of the contract cross back (a missing one as None), with the result's
    type name and keys so that the test can say what is wrong.
    """
    out = mod.train(x, y, **kwargs)
    if type(out) is not dict:
        return {"type": _type_name(out), "keys": [], "w": None, "mse_trace": None,
                "seconds": None}
    return {"type": "builtins.dict", "keys": sorted(str(k) for k in out),
            "w": out.get("w"), "mse_trace": out.get("mse_trace"), "seconds": out.get("seconds")}


def train_error(mod: Any, x: Any, y: Any, **kwargs: Any) -> dict[str, Any]:
    """The exception ``train(x, y, **kwargs)`` raises (its type name and message), if any."""
    try:
        mod.train(x, y, **kwargs)
    except Exception as exc:  # the student's exception, whatever it is, is the answer
        return {"raised": type(exc).__name__, "is_value_error": isinstance(exc, ValueError),
                "message": str(exc)[:500]}
    return {"raised": None, "is_value_error": False, "message": ""}
