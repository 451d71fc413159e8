"""Runs one probe against the implementation under test and returns a plain outcome.

This module runs *next to student code* (in-process in local mode, in the sandbox child in
isolated mode), so it imports nothing but the standard library, numpy/torch (via the probes)
and the rest of :mod:`grader.runtime`. A probe is
``PROBES_DIR/<module>.py:<function>(student_module, **inputs)``; the student module of the
same name is imported from the implementation folder.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

from grader.runtime.outcome import Failure, FailureKind

MAX_TRACEBACK_CHARS = 6000
_MEMORY_TYPES = {"MemoryError", "_ArrayMemoryError", "OutOfMemoryError"}
_MEMORY_WORDS = ("can't allocate memory", "cannot allocate memory", "not enough memory",
                 "out of memory")
_META_WORDS = ("meta tensor", "meta device", "'meta' device", "device='meta'")

# Keyed by folder: a process may test several implementations one after the other.
_imported: dict[tuple[str, str], ModuleType | dict[str, Any]] = {}
_probe_modules: dict[tuple[str, str], ModuleType] = {}


def failure_from(kind: FailureKind, exc: BaseException) -> dict[str, Any]:
    """The outcome record of an exception the student's code raised (``kind``: while
    importing or while calling), named more precisely where the exception says more: an
    exit, memory exhaustion, an unfinished stub, data read from a ``meta`` tensor."""
    exc_type = type(exc).__name__
    try:
        message = str(exc)[:2000]
    except BaseException:  # a hostile __str__
        message = "<unprintable exception>"
    lowered = message.lower()
    if isinstance(exc, SystemExit):
        kind, message = FailureKind.EXITED, f"sys.exit({message}) was called"
    elif exc_type in _MEMORY_TYPES or (
            exc_type == "RuntimeError" and any(w in lowered for w in _MEMORY_WORDS)):
        kind = FailureKind.MEMORY
    elif kind is FailureKind.EXCEPTION and any(w in lowered for w in _META_WORDS):
        kind = FailureKind.DEVICE  # torch refused to read data a meta tensor does not have
    elif exc_type == "NotImplementedError":
        kind = FailureKind.NOT_IMPLEMENTED
    return Failure(kind, message, exc_type, format_student_traceback(exc)).to_wire()


def _failure(kind: FailureKind, message: str) -> dict[str, Any]:
    return Failure(kind, message).to_wire()


def format_student_traceback(exc: BaseException) -> str:
    """The traceback without the harness's own frames, capped in length."""
    try:
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
            tb = tb.tb_next
        text = "".join(traceback.format_exception(type(exc), exc, tb))
    except BaseException:
        return "<traceback unavailable>"
    if len(text) > MAX_TRACEBACK_CHARS:
        text = "...\n" + text[-MAX_TRACEBACK_CHARS:]
    return text


def load_student_module(impl_dir: Path, name: str) -> ModuleType | dict[str, Any]:
    """Import ``name`` from ``impl_dir`` once; a failure is remembered and returned again."""
    key = (str(impl_dir), name)
    if key in _imported:
        return _imported[key]
    if not (impl_dir / f"{name}.py").is_file() and not (impl_dir / name / "__init__.py").is_file():
        result: ModuleType | dict[str, Any] = _failure(
            FailureKind.MISSING_MODULE, f"the submission has no {name}.py")
    else:
        if str(impl_dir) in sys.path:
            sys.path.remove(str(impl_dir))
        sys.path.insert(0, str(impl_dir))
        sys.modules.pop(name, None)
        try:
            result = importlib.import_module(name)
            origin = Path(getattr(result, "__file__", "") or "").resolve()
            if impl_dir.resolve() not in origin.parents:
                result = _failure(FailureKind.MISSING_MODULE,
                                  f"`import {name}` found {origin}, not the submission's")
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # SyntaxError, SystemExit, pytest outcomes: all the student's
            result = failure_from(FailureKind.IMPORT_ERROR, exc)
    _imported[key] = result
    return result


def _load_probe_module(probes_dir: Path, name: str) -> ModuleType:
    key = (str(probes_dir), name)
    if key not in _probe_modules:
        path = probes_dir / f"{name}.py"
        spec = importlib.util.spec_from_file_location(f"gradspec_probes_{name}", path)
        if spec is None or spec.loader is None:
            raise FileNotFoundError(f"no probe module {path}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _probe_modules[key] = module
    return _probe_modules[key]


def split_probe(probe: str) -> tuple[str, str]:
    """``"cosine.value_and_grads"`` -> ``("cosine", "value_and_grads")``."""
    module, _, function = probe.partition(".")
    if not module or not function:
        raise ValueError(f"probe names look like 'module.function', got {probe!r}")
    return module, function


def execute(impl_dir: Path, probes_dir: Path, probe: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Run ``probe`` and return ``{"ok": True, "value": ...}`` or a failure record."""
    module_name, function = split_probe(probe)
    student = load_student_module(impl_dir, module_name)
    if isinstance(student, dict):
        return student
    fn = getattr(_load_probe_module(probes_dir, module_name), function)
    try:
        return {"ok": True, "value": fn(student, **inputs)}
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        return failure_from(FailureKind.EXCEPTION, exc)


def import_only(impl_dir: Path, module_name: str) -> dict[str, Any]:
    """Import the student's module and report how that went (no probe run)."""
    student = load_student_module(impl_dir, module_name)
    if isinstance(student, dict):
        return student
    return {"ok": True, "value": None}
