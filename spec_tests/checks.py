"""Comparisons that fail with a message a student can act on.

One message shape everywhere (:func:`fail`): the call, its inputs (shape/dtype/device),
expected vs got, the worst error and where, the tolerance, and a hint for the usual mistake.
Tolerances are data: a per-dtype table (``torch.testing.assert_close``'s defaults), overridden
per check by a test module's named table of :class:`Tol` pairs (rtol and atol together: a lone
one is refused).

Garbage with the right metadata never passes, and says what it is: an empty result, a shape
that only broadcasts against the right one, NaN or inf where a finite value is expected
(:func:`check_close`, :func:`check_meta`, :func:`check_finite`), a duration that is not a
finite number of seconds >= 0 (:func:`check_duration`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np
import torch

from grader.describe import describe, describe_call
from grader.runtime.wire import Unsupported


@dataclass(frozen=True)
class Tol:
    """Relative and absolute tolerance of one comparison, always given together."""

    rtol: float
    atol: float

    def scale_atol(self, factor: float) -> Tol:
        """The same rtol with ``atol * factor``: for an atol in units of the values' scale."""
        return Tol(self.rtol, self.atol * factor)


#: Tolerance per dtype: torch.testing.assert_close's defaults.
TOLERANCES: dict[Any, Tol] = {
    torch.float16: Tol(1e-3, 1e-5),
    torch.bfloat16: Tol(1.6e-2, 1e-5),
    torch.float32: Tol(1.3e-6, 1e-5),
    torch.float64: Tol(1e-7, 1e-7),
}


def dtype_name(dtype: Any) -> str:
    """``"float32"`` for torch.float32, np.float32, np.dtype("float32") or "float32"."""
    if isinstance(dtype, torch.dtype):
        return str(dtype).removeprefix("torch.")
    return np.dtype(dtype).name


def tolerance(dtype: Any, tol: Tol | None = None) -> Tol:
    """``tol`` if given, else the table's entry for ``dtype`` (numpy dtypes too)."""
    if tol is not None:
        return tol
    if not isinstance(dtype, torch.dtype):
        dtype = torch.float32 if np.dtype(dtype) == np.float32 else torch.float64
    return TOLERANCES.get(dtype, TOLERANCES[torch.float64])


class Overrides:
    """A test module's tolerance overrides, by name: one ``(rtol, atol)`` pair for every dtype,
    or a pair per dtype name. Building the table refuses anything but pairs."""

    def __init__(self, table: Mapping[str, tuple[float, float] | Mapping[str, tuple[float, float]]]
                 ) -> None:
        self._table: dict[str, Tol | dict[str, Tol]] = {}
        for name, entry in table.items():
            if isinstance(entry, Mapping):
                self._table[name] = {dtype: self._pair(name, pair) for dtype, pair in entry.items()}
            else:
                self._table[name] = self._pair(name, entry)

    @staticmethod
    def _pair(name: str, pair: Any) -> Tol:
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise ValueError(f"tolerance {name!r}: give (rtol, atol) together, got {pair!r}")
        return Tol(float(pair[0]), float(pair[1]))

    def __call__(self, name: str, dtype: Any = None) -> Tol:
        """The override ``name`` (for ``dtype`` where it differs per dtype)."""
        entry = self._table[name]
        if isinstance(entry, Tol):
            return entry
        return entry[dtype_name(dtype)]


def fail(call: str, what: str, lines: Sequence[str] = (), hint: str | None = None) -> NoReturn:
    """Fail the test with the one message shape: ``what [call]``, detail lines, the hint."""
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
        fail(call, f"{what} has the wrong type", [f"expected: {names}", f"got:      {got}"],
             hint)


def _shape_problem(what: str, shape: tuple[int, ...], expected: tuple[int, ...]
                   ) -> tuple[str, list[str]] | None:
    """What is wrong with ``shape`` where ``expected`` is due, if anything: an empty result
    and a shape that merely broadcasts against the right one have messages of their own."""
    shape, expected = tuple(shape), tuple(expected)
    if shape == expected:
        return None
    line = f"{what}.shape={shape}, but should be {expected}"
    if math.prod(shape) == 0 < math.prod(expected):
        return f"{what} is empty", [line, "an empty result holds none of the values asked for"]
    try:
        torch.broadcast_shapes(shape, expected)
    except RuntimeError:
        return f"{what} has the wrong shape", [line]
    return f"{what} has a shape that only broadcasts", [
        line, "it broadcasts against the right shape, which is not having that shape"]


def check_shape(actual_shape: tuple[int, ...], expected_shape: tuple[int, ...], *, call: str,
                what: str = "result", hint: str | None = None) -> None:
    """The shape must be exactly ``expected_shape`` (not empty, not merely broadcastable)."""
    __tracebackhide__ = True
    problem = _shape_problem(what, actual_shape, expected_shape)
    if problem:
        fail(call, problem[0], problem[1], hint)


def check_finite(actual: Any, *, call: str, what: str = "result", hint: str | None = None
                 ) -> None:
    """Every value of a tensor or ndarray is finite: NaN or inf is never a right answer here."""
    __tracebackhide__ = True
    values = actual.detach().cpu() if isinstance(actual, torch.Tensor) else \
        torch.from_numpy(np.asarray(actual))
    bad = ~torch.isfinite(values)
    if bool(bad.any()):
        _fail_not_finite(values, bad, call=call, what=what, hint=hint)


def _fail_not_finite(values: torch.Tensor, bad: torch.Tensor, *, call: str, what: str,
                     hint: str | None) -> NoReturn:
    __tracebackhide__ = True
    first = int(bad.flatten().nonzero()[0])
    idx = tuple(int(i) for i in np.unravel_index(first, tuple(values.shape))) \
        if values.dim() else ()
    fail(call, f"{what} holds NaN or inf where finite values are expected",
         [f"non-finite elements: {int(bad.sum())} / {values.numel()}",
          f"first at index {idx}: got {values.flatten()[first].item()}"], hint)


def check_duration(seconds: Any, *, call: str, what: str = "seconds",
                   at_most: float | None = None, hint: str | None = None) -> None:
    """A duration: a python float (or int), finite, >= 0 and, given ``at_most``, no more."""
    __tracebackhide__ = True
    ok = type(seconds) in (float, int) and math.isfinite(seconds) and seconds >= 0
    if ok and (at_most is None or seconds <= at_most):
        return
    limit = f" and at most {at_most:.3f}" if at_most is not None else ""
    fail(call, f"{what}={describe(seconds)}, but should be a finite python float >= 0{limit}",
         hint=hint)


def check_meta(actual: Any, *, shape: tuple[int, ...] | None = None, dtype: Any = None,
               device: str | None = None, call: str, what: str = "result",
               hint: str | None = None) -> None:
    """Tensor metadata: shape, dtype and device type. Metadata earns nothing alone: a test
    checks the values too (on the CPU for a ``meta`` case, :func:`value_device`)."""
    __tracebackhide__ = True
    check_type(actual, torch.Tensor, call=call, what=what, hint=hint)
    if shape is not None:
        check_shape(tuple(actual.shape), tuple(shape), call=call, what=what, hint=hint)
    problems = []
    if dtype is not None and actual.dtype != dtype:
        problems.append(f"{what}.dtype={actual.dtype}, but should be {dtype}")
    if device is not None and actual.device.type != torch.device(device).type:
        problems.append(f"{what}.device={actual.device}, but should be on {device}")
    if problems:
        fail(call, f"{what} has the wrong metadata", problems, hint)


def check_close(actual: Any, expected: Any, *, call: str, what: str = "result",
                tol: Tol | None = None, hint: str | None = None,
                check_device: bool = True) -> None:
    """``actual`` equals ``expected`` to ``tol``, else to the dtype's tolerance (tensor or
    ndarray)."""
    __tracebackhide__ = True
    if isinstance(expected, np.ndarray):
        check_type(actual, np.ndarray, call=call, what=what, hint=hint)
        a = torch.from_numpy(np.asarray(actual))
        e = torch.from_numpy(expected)
        dtype = expected.dtype
    else:
        check_type(actual, torch.Tensor, call=call, what=what, hint=hint)
        if check_device and actual.device.type != expected.device.type:
            fail(call, f"{what} is on the wrong device",
                 [f"expected device {expected.device}, got {actual.device}"], hint)
        a, e = actual.detach().cpu(), expected.detach().cpu()
        dtype = expected.dtype
    check_shape(tuple(a.shape), tuple(e.shape), call=call, what=what, hint=hint)
    if a.dtype != e.dtype:
        fail(call, f"{what} has the wrong dtype",
             [f"{what}.dtype={a.dtype}, but should be {e.dtype}"], hint)
    not_finite = ~torch.isfinite(a) & torch.isfinite(e)
    if bool(not_finite.any()):
        _fail_not_finite(a, not_finite, call=call, what=what, hint=hint)
    allowed_tol = tolerance(dtype, tol)
    rt, at = allowed_tol.rtol, allowed_tol.atol
    a64, e64 = a.to(torch.float64), e.to(torch.float64)
    err = (a64 - e64).abs()
    allowed = at + rt * e64.abs()
    bad = ~((err <= allowed) | (a64 == e64))  # equal infinities match; NaN never does
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
        fail(call, f"{what} is off", lines, hint)


def value_device(device: str) -> str:
    """The device whose values a case checks: its own, or the CPU for ``meta`` (which holds
    none). A ``meta`` case checks the same call on the CPU first, so that placement on
    ``meta`` earns nothing unless the values it comes from are right."""
    return "cpu" if device == "meta" else device


def check_left_alone(got: Mapping[str, Any], name: str, before: torch.Tensor,
                     requires_grad: bool, grad: torch.Tensor | None, *, call: str, hint: str,
                     problems: Sequence[str] = ()) -> None:
    """The caller's tensor ``name`` after a call, as a probe reports it (``got[name]``,
    ``got[name + "_requires_grad"]``, ``got[name + "_grad"]``): its values, requires_grad
    and .grad as they were before. ``problems`` the test found besides join the message."""
    __tracebackhide__ = True
    found = list(problems)
    if got[f"{name}_requires_grad"] != requires_grad:
        found.insert(0, f"{name}.requires_grad is {got[f'{name}_requires_grad']} after the "
                        f"call, but was {requires_grad}")
    after = got[f"{name}_grad"]
    if (grad is None) != (after is None):
        found.insert(0, f"{name}.grad was {'None' if grad is None else 'a tensor'} before the "
                        f"call, but is {'None' if after is None else 'a tensor'} after it")
    if found:
        fail(call, f"the call changed the caller's {name}", found, hint)
    check_close(got[name], before, call=call, what=f"the caller's {name} after the call",
                hint=hint)
    if grad is not None:
        check_close(after, grad, call=call, what=f"the caller's {name}.grad after the call",
                    hint=hint)


def central_differences(values: Callable[[torch.Tensor], Sequence[Any]], point: torch.Tensor,
                        eps: float, *, call: str, hint: str | None = None) -> torch.Tensor:
    """The gradient of a scalar function at a 1-D ``point`` by central differences,
    ``(f(p + eps e_i) - f(p - eps e_i)) / (2 eps)``, in ``point``'s dtype.

    ``values`` gets the 2n shifted points as the rows of one tensor (the n ``+eps`` rows, then
    the n ``-eps`` rows) and returns one value per row; each must be a tensor.
    """
    __tracebackhide__ = True
    n = point.numel()
    steps = eps * torch.eye(n, dtype=point.dtype, device=point.device)
    got = values(torch.cat([point + steps, point - steps]))
    for v in got:
        check_type(v, torch.Tensor, call=call, hint=hint)
    f = torch.stack([v.reshape(()) for v in got]).to(point.dtype)
    return (f[:n] - f[n:]) / (2 * eps)


def _short(t: torch.Tensor) -> str:
    return np.array2string(t.to(torch.float64).numpy(), precision=8, separator=", ")


__all__ = ["TOLERANCES", "Overrides", "Tol", "central_differences", "check_close",
           "check_duration", "check_finite", "check_left_alone", "check_meta", "check_shape",
           "check_type", "describe", "describe_call", "dtype_name", "fail", "tolerance",
           "value_device"]
