"""Devices, dtypes and the grid builder that turns them into readable pytest params.

A grid is the product of named axes; each case's id joins its values' ids with "-"
(``autograd-cuda-float32``), so ``-k cuda`` and ``-k float64`` select by name. Absent devices
are skipped with their reason (a mark carried by the device's param); a device without the
dtype (MPS has no float64) is dropped, or skipped where a module's ids already name it.
``meta`` (shapes without data) checks device placement on any machine: a hidden ``.cpu()``,
``.numpy()`` or ``.item()`` fails there.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
import torch

#: The type of ``pytest.param``'s cases.
ParameterSet = type(pytest.param(None))


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())


CUDA_SKIP = pytest.mark.skipif(not torch.cuda.is_available(),
                               reason="CUDA is not available on this machine")
MPS_SKIP = pytest.mark.skipif(not _mps_available(), reason="MPS is not available on this machine")

DEVICES = [
    pytest.param("cpu", id="cpu"),
    pytest.param("cuda", marks=CUDA_SKIP, id="cuda"),
    pytest.param("mps", marks=MPS_SKIP, id="mps"),
]
DEVICES_AND_META = [*DEVICES, pytest.param("meta", id="meta")]

FLOAT_DTYPES = [
    pytest.param(torch.float32, id="float32"),
    pytest.param(torch.float64, id="float64"),
]
#: The same dtypes by name, for modules whose numpy cases name them too.
FLOAT_DTYPE_NAMES = ["float32", "float64"]


def device_dtype_supported(device: str, dtype: torch.dtype) -> bool:
    """MPS has no float64."""
    return not (device == "mps" and dtype == torch.float64)


@dataclass(frozen=True)
class Grid:
    """Test cases as pytest params: the argument names and one param per case."""

    names: tuple[str, ...]
    params: tuple[ParameterSet, ...]

    def __add__(self, other: Grid) -> Grid:
        if other.names != self.names:
            raise ValueError(f"cannot join grids over {self.names} and {other.names}")
        return Grid(self.names, self.params + other.params)

    def without(self, *ids: str) -> Grid:
        """The grid less the cases of these ids (each must be one of its cases)."""
        unknown = set(ids) - {p.id for p in self.params}
        if unknown:
            raise ValueError(f"no case {sorted(unknown)} in this grid")
        return Grid(self.names, tuple(p for p in self.params if p.id not in ids))

    @property
    def parametrize(self) -> pytest.MarkDecorator:
        """The ``pytest.mark.parametrize`` of these cases."""
        return pytest.mark.parametrize(self.names, list(self.params))


def _param(value: Any, width: int) -> ParameterSet:
    """``value`` as a param of ``width`` values with an id: a given param keeps its own."""
    if isinstance(value, ParameterSet):
        if value.id is None or len(value.values) != width:
            raise ValueError(f"a grid param needs an id and {width} values: {value!r}")
        return value
    if width != 1:
        raise ValueError(f"give a pytest.param of {width} values, not {value!r}")
    name = str(value).removeprefix("torch.") if isinstance(value, torch.dtype | str) else None
    if name is None:
        raise ValueError(f"give {value!r} as a pytest.param with an id")
    return pytest.param(value, id=name)


def grid(*axes: tuple[str | tuple[str, ...], Sequence[Any]], unsupported: str = "drop",
         **named: Sequence[Any]) -> Grid:
    """The product of ``axes`` (``(name or names, values)``, then the keyword axes in order).

    A value is a pytest param (with an id and one value per name) or a string or torch dtype
    (its own id). A case's marks are its values' marks. A case whose ``device`` lacks its
    ``dtype`` is dropped (``unsupported="drop"``) or kept and skipped with the reason
    (``"skip"``).
    """
    if unsupported not in ("drop", "skip"):
        raise ValueError(f"unsupported must be 'drop' or 'skip', not {unsupported!r}")
    all_axes = [((n,) if isinstance(n, str) else tuple(n), values) for n, values in axes]
    all_axes += [((name,), values) for name, values in named.items()]
    names = tuple(n for axis_names, _ in all_axes for n in axis_names)
    columns = [[_param(v, len(axis_names)) for v in values] for axis_names, values in all_axes]
    params = []
    for combination in itertools.product(*columns):
        values = tuple(v for p in combination for v in p.values)
        marks = [m for p in combination for m in p.marks]
        case = dict(zip(names, values, strict=True))
        device, dtype = case.get("device"), case.get("dtype")
        if isinstance(dtype, str):
            dtype = getattr(torch, dtype)
        if device is not None and dtype is not None and not device_dtype_supported(device, dtype):
            if unsupported == "drop":
                continue
            marks.append(pytest.mark.skip(reason=f"{device} does not support {dtype}"))
        params.append(pytest.param(*values, marks=marks,
                                   id="-".join(str(p.id) for p in combination)))
    return Grid(names, tuple(params))


#: device-dtype cases of the modules whose ids name every pair (mps-float64 skipped).
BY_DEVICE_DTYPE = grid(device=DEVICES, dtype=FLOAT_DTYPES, unsupported="skip")
#: The same with the ``meta`` device.
BY_DEVICE_DTYPE_AND_META = grid(device=DEVICES_AND_META, dtype=FLOAT_DTYPES, unsupported="skip")
#: float64 only, on every device (mps-float64 skipped).
BY_DEVICE_FLOAT64 = grid(device=DEVICES, dtype=[torch.float64], unsupported="skip")
