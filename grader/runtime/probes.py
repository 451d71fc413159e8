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

MAX_TRACEBACK_CHARS = 6000

# Keyed by folder: a process may test several implementations one after the other.
_imported: dict[tuple[str, str], ModuleType | dict[str, Any]] = {}
_probe_modules: dict[tuple[str, str], ModuleType] = {}


def _failure(kind: str, exc: BaseException | None = None, message: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"ok": False, "kind": kind, "exc_type": "", "message": message,
                           "traceback": ""}
    if exc is not None:
        out["exc_type"] = type(exc).__name__
        try:
            out["message"] = message or str(exc)[:2000]
        except BaseException:  # a hostile __str__
            out["message"] = message or "<unprintable exception>"
        out["traceback"] = format_student_traceback(exc)
    return out


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
            "missing-module", message=f"the submission has no {name}.py")
    else:
        if str(impl_dir) in sys.path:
            sys.path.remove(str(impl_dir))
        sys.path.insert(0, str(impl_dir))
        sys.modules.pop(name, None)
        try:
            result = importlib.import_module(name)
            origin = Path(getattr(result, "__file__", "") or "").resolve()
            if impl_dir.resolve() not in origin.parents:
                result = _failure("missing-module",
                                  message=f"`import {name}` found {origin}, not the submission's")
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # SyntaxError, SystemExit, pytest outcomes: all the student's
            result = _failure("import-error", exc)
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
        return _failure("exception", exc)


def import_only(impl_dir: Path, module_name: str) -> dict[str, Any]:
    """Import the student's module and report how that went (no probe run)."""
    student = load_student_module(impl_dir, module_name)
    if isinstance(student, dict):
        return student
    return {"ok": True, "value": None}
