"""Comparisons that fail with a message a student can act on.

One message shape everywhere: the call, its inputs (shape/dtype/device), expected vs got,
the worst error and where, the tolerance, and a hint for the usual mistake.
Tolerances are data: a per-dtype table (``torch.testing.assert_close``'s defaults), overridden
per check with both ``rtol`` and ``atol`` (a lone one is refused).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from grader.describe import describe, describe_call
from grader.runtime.wire import Unsupported

#: (rtol, atol) per dtype: torch.testing.assert_close's defaults.
TOLERANCES: dict[Any, tuple[float, float]] = {
    torch.float16: (1e-3, 1e-5),
    torch.bfloat16: (1.6e-2, 1e-5),
    torch.float32: (1.3e-6, 1e-5),
    torch.float64: (1e-7, 1e-7),
}


def tolerance(dtype: Any, rtol: float | None = None, atol: float | None = None
              ) -> tuple[float, float]:
    if (rtol is None) != (atol is None):
        raise ValueError("give both rtol and atol, or neither")
    if rtol is not None and atol is not None:
        return rtol, atol
    if isinstance(dtype, np.dtype) or dtype in (np.float32, np.float64):
        dtype = {np.dtype("float32"): torch.float32}.get(np.dtype(dtype), torch.float64)
    return TOLERANCES.get(dtype, TOLERANCES[torch.float64])


def _fail(call: str, what: str, lines: list[str], hint: str | None) -> None:
    __tracebackhide__ = True
    text = [f"{what} [{call}]", *("  " + line for line in lines)]
    if hint:
        text.append(f"  hint: {hint}")
    raise AssertionError("\n".join(text))


def check_type(actual: Any, expected_type: type | tuple[type, ...], *, call: str,
               what: str = "result", hint: str | None = None) -> None:
    """``type(actual)`` must be exactly one of ``expected_type`` (no subclasses, no stand-ins)."""
    __tracebackhide__ = True
    types = expected_type if isinstance(expected_type, tuple) else (expected_type,)
    if type(actual) not in types:
        names = " or ".join(f"{t.__module__}.{t.__qualname__}" for t in types)
        got = actual.type_name if isinstance(actual, Unsupported) else describe(actual)
        _fail(call, f"{what} has the wrong type", [f"expected: {names}", f"got:      {got}"],
              hint)


def check_meta(actual: Any, *, shape: tuple[int, ...] | None = None, dtype: Any = None,
               device: str | None = None, call: str, what: str = "result",
               hint: str | None = None) -> None:
    """Tensor metadata: shape, dtype and device type."""
    __tracebackhide__ = True
    check_type(actual, torch.Tensor, call=call, what=what, hint=hint)
    problems = []
    if shape is not None and tuple(actual.shape) != tuple(shape):
        problems.append(f"{what}.shape={tuple(actual.shape)}, but should be {tuple(shape)}")
    if dtype is not None and actual.dtype != dtype:
        problems.append(f"{what}.dtype={actual.dtype}, but should be {dtype}")
    if device is not None and actual.device.type != torch.device(device).type:
        problems.append(f"{what}.device={actual.device}, but should be on {device}")
    if problems:
        _fail(call, f"{what} has the wrong metadata", problems, hint)


def check_close(actual: Any, expected: Any, *, call: str, what: str = "result",
                rtol: float | None = None, atol: float | None = None,
                hint: str | None = None, check_device: bool = True) -> None:
    """``actual`` equals ``expected`` to the dtype's tolerance (tensor or ndarray)."""
    __tracebackhide__ = True
    if isinstance(expected, np.ndarray):
        check_type(actual, np.ndarray, call=call, what=what, hint=hint)
        a = torch.from_numpy(np.asarray(actual))
        e = torch.from_numpy(expected)
        dtype = expected.dtype
    else:
        check_type(actual, torch.Tensor, call=call, what=what, hint=hint)
        if check_device and actual.device.type != expected.device.type:
            _fail(call, f"{what} is on the wrong device",
                  [f"expected device {expected.device}, got {actual.device}"], hint)
        a, e = actual.detach().cpu(), expected.detach().cpu()
        dtype = expected.dtype
    if tuple(a.shape) != tuple(e.shape):
        _fail(call, f"{what} has the wrong shape",
              [f"{what}.shape={tuple(a.shape)}, but should be {tuple(e.shape)}"], hint)
    if a.dtype != e.dtype:
        _fail(call, f"{what} has the wrong dtype",
              [f"{what}.dtype={a.dtype}, but should be {e.dtype}"], hint)
    rt, at = tolerance(dtype, rtol, atol)
    a64, e64 = a.to(torch.float64), e.to(torch.float64)
    err = (a64 - e64).abs()
    allowed = at + rt * e64.abs()
    bad = ~(err <= allowed)  # NaN counts as a mismatch
    if bool(bad.any()):
        n_bad = int(bad.sum())
        flat = torch.where(torch.isnan(err), torch.full_like(err, float("inf")), err).flatten()
        worst = int(flat.argmax())
        idx = np.unravel_index(worst, tuple(e.shape)) if e.dim() else ()
        rel = float(flat[worst] / e64.flatten()[worst].abs()) if e64.numel() else 0.0
        lines = [
            f"mismatched elements: {n_bad} / {e.numel()}",
            f"worst at index {tuple(int(i) for i in idx)}: got {a64.flatten()[worst].item():.8g},"
            f" expected {e64.flatten()[worst].item():.8g} (abs err {flat[worst].item():.3g},"
            f" rel err {rel:.3g})",
            f"allowed: atol={at:g} + rtol={rt:g} * |expected|",
        ]
        if e.numel() <= 8:
            lines.insert(0, f"expected: {_short(e)}")
            lines.insert(1, f"got:      {_short(a)}")
        _fail(call, f"{what} is off", lines, hint)


def _short(t: torch.Tensor) -> str:
    return np.array2string(t.to(torch.float64).numpy(), precision=8, separator=", ")


__all__ = ["TOLERANCES", "check_close", "check_meta", "check_type", "describe", "describe_call",
           "tolerance"]
