"""Values that do not depend on the submission, computed once per batch worker.

A spec suite's oracle (a float64 recurrence, the library's own optimizer run on the test's
inputs) gives the same answer for every submission of a batch. A function decorated with
:func:`submission_independent` keeps its results in the memo folder of the process's
settings (``GRADSPEC_MEMO_DIR``: a batch worker gives one to all its pytest runs) and
computes a result only the first time its arguments are seen; without a folder it just
runs. The key is the function (module, name and code) and its arguments by value: tensors
and arrays by dtype, device, shape and bytes, functions by their code and what their
closures hold, so different inputs never share a result. Values are pickled; the folder
belongs to the trusted grader side (sandbox children never see it).
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import tempfile
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from grader import settings

F = TypeVar("F", bound=Callable[..., Any])


class Unkeyable(TypeError):
    """An argument that cannot be keyed by value: the call is not memoized."""


def _key_parts(value: Any, out: list[bytes], depth: int = 0,
               seen: dict[int, list[bytes]] | None = None) -> None:
    """Append ``value``'s key parts to ``out``; ``seen``: the parts of each tensor met so far
    in this key, by identity (an argument that repeats one tensor is keyed once per tensor)."""
    if depth > 20:
        raise Unkeyable("arguments nested too deeply")
    add = out.append
    if value is None or isinstance(value, bool | int | float | complex | str | bytes):
        add(repr((type(value).__name__, value)).encode())
    elif isinstance(value, np.ndarray):
        add(f"ndarray {value.dtype.str} {value.shape}".encode())
        add(np.ascontiguousarray(value).tobytes())
    elif type(value).__module__.startswith("torch"):
        if seen is None:
            _torch_parts(value, out)
        else:
            if id(value) not in seen:
                seen[id(value)] = []
                _torch_parts(value, seen[id(value)])
            out.extend(seen[id(value)])
    elif isinstance(value, tuple | list):
        add(f"{type(value).__name__} {len(value)}".encode())
        for item in value:
            _key_parts(item, out, depth + 1, seen)
    elif isinstance(value, dict):
        add(f"dict {len(value)}".encode())
        for k in sorted(value, key=repr):
            _key_parts(k, out, depth + 1, seen)
            _key_parts(value[k], out, depth + 1, seen)
    elif isinstance(value, types.FunctionType):
        _function_parts(value, out, depth)
    elif isinstance(value, type):
        add(f"class {value.__module__}.{value.__qualname__}".encode())
    else:
        raise Unkeyable(f"cannot key a {type(value).__name__} by value")


def _torch_parts(value: Any, out: list[bytes]) -> None:
    import torch

    if isinstance(value, torch.Tensor):
        if value.device.type == "meta":
            raise Unkeyable("a meta tensor has no values")
        data = value.detach().cpu().contiguous()
        out.append(f"tensor {data.dtype} {value.device} {tuple(data.shape)} "
                   f"{value.requires_grad}".encode())
        out.append(data.reshape(-1).view(torch.uint8).numpy().tobytes() if data.numel() else b"")
    elif isinstance(value, torch.dtype | torch.device):
        out.append(f"{type(value).__name__} {value}".encode())
    else:
        raise Unkeyable(f"cannot key a {type(value).__name__} by value")


def _function_parts(fn: types.FunctionType, out: list[bytes], depth: int) -> None:
    code = fn.__code__
    out.append(f"function {fn.__module__}.{fn.__qualname__}".encode())
    _code_parts(code, out)
    for cell in fn.__closure__ or ():
        _key_parts(cell.cell_contents, out, depth + 1)
    _key_parts(fn.__defaults__, out, depth + 1)


def _code_parts(code: types.CodeType, out: list[bytes]) -> None:
    out.append(code.co_code)
    out.append(repr(code.co_names).encode())
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _code_parts(const, out)
        else:
            out.append(repr(const).encode())


def key_of(fn: Callable[..., Any], args: tuple, kwargs: dict[str, Any]) -> str:
    """The memo key of ``fn(*args, **kwargs)``; raises :class:`Unkeyable`."""
    parts: list[bytes] = []
    seen: dict[int, list[bytes]] = {}  # the arguments keep every tensor alive meanwhile
    _key_parts(fn, parts)
    _key_parts(list(args), parts, seen=seen)
    _key_parts(kwargs, parts, seen=seen)
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


def memo_dir() -> Path | None:
    """The process's memo folder (``GRADSPEC_MEMO_DIR``), or None: compute every time."""
    value = settings.resolve(settings.MEMO_DIR).value
    return Path(value) if value else None


def submission_independent(fn: F) -> F:
    """Memoize ``fn`` in the memo folder, when there is one. Only for functions whose result
    depends on their arguments alone (no clock, no global state, no submission)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        folder = memo_dir()
        if folder is None:
            return fn(*args, **kwargs)
        try:
            path = folder / f"{key_of(fn, args, kwargs)}.pickle"
        except Unkeyable:
            return fn(*args, **kwargs)
        try:
            return pickle.loads(path.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            pass
        value = fn(*args, **kwargs)
        _store(path, value)
        return value

    return wrapper  # type: ignore[return-value]


def _store(path: Path, value: Any) -> None:
    """Write ``value`` atomically; one that cannot be pickled is simply not kept."""
    try:
        data = pickle.dumps(value)
    except (pickle.PicklingError, TypeError, AttributeError, RuntimeError):
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass
