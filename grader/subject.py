"""The implementation under test, as the spec tests see it: a thing that runs probes.

Tests never import the code under test. They call ``subject.call("cosine.value_and_grads",
x=x, y=y)`` and get back plain data (see :mod:`grader.runtime.wire`). :class:`LocalSubject`
runs the probe in-process (a student's ``pytest``); :class:`grader.sandbox.IsolatedSubject`
runs it in a sandbox child (``grader run``/``grader batch``). Both raise
:class:`ProbeFailure` when the student's code fails, with a message a student can act on,
and :class:`UnknownProbe` when the suite names a probe that does not exist (the suite's
fault, never the student's).
"""

from __future__ import annotations

import ast
import functools
import re
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from grader.describe import describe_call
from grader.intake.extract import BUILT_HEADER, built_title, cell_line
from grader.runtime import probes, wire
from grader.runtime.outcome import Failure, FailureKind


class UnknownProbe(LookupError):
    """The suite called a probe that ``probes_dir`` does not define."""


class ProbeFailure(AssertionError):
    """The student's code failed while a probe ran it; the message says how and where."""

    def __init__(self, probe: str, inputs: dict[str, Any], failure: Failure,
                 impl_dir: Path | None = None):
        self.probe = probe
        self.failure = failure
        self.impl_dir = impl_dir
        super().__init__(self._format(inputs))

    @property
    def kind(self) -> FailureKind:
        return self.failure.kind

    @property
    def status(self) -> str:
        """The kind's label, as every report shows it."""
        return self.failure.kind.label

    def _format(self, inputs: dict[str, Any]) -> str:
        f = self.failure
        module = self.probe.partition(".")[0]
        what = f"{f.exc_type}: {f.message}" if f.exc_type else f.message
        lines = [f"{self.status} while running {describe_call(self.probe, inputs)}"]
        if what:
            lines.append(f"  {what}")
        built = _built_from_notebook(self.impl_dir, module)
        if f.kind is FailureKind.IMPORT_ERROR and built:
            lines.append(f"  hint: the definitions taken from {built} fail when they are "
                         "imported: restart its kernel, run every cell from the top, and "
                         "fix the first cell that fails")
        elif f.kind is FailureKind.TIMEOUT and built and \
                f.message.startswith(f"while importing {module}"):
            lines.append(f"  hint: importing the definitions taken from {built} took too long: "
                         "the constants at the top of their cells run then (a value computed "
                         "by a long call); compute it inside the function that needs it")
        elif f.kind.hint:
            lines.append("  hint: " + f.kind.hint.format(module=module))
        if f.traceback:
            lines.append("  traceback from your code:")
            lines.extend("    " + _in_notebook(line, self.impl_dir)
                         for line in f.traceback.rstrip().splitlines())
        return "\n".join(lines)


_FRAME = re.compile(r'^(\s*File "([A-Za-z_]\w*)\.py", line (\d+))(.*)$')


def _built_text(impl_dir: Path | None, module: str) -> str:
    """The text of ``module`` in ``impl_dir`` if gradspec built it from a notebook, else ""."""
    if impl_dir is None:
        return ""
    try:
        with open(impl_dir / f"{module}.py", encoding="utf-8") as file:
            text = file.read(1 << 22)
    except (OSError, ValueError):
        return ""
    return text if text.startswith(BUILT_HEADER) else ""


def _built_from_notebook(impl_dir: Path | None, module: str) -> str:
    """The notebook ``module`` was built from ("" if it is the student's own module)."""
    return built_title(_built_text(impl_dir, module)) or ""


def _in_notebook(line: str, impl_dir: Path | None) -> str:
    """A traceback line in a module built from a notebook, with the cell and line it is."""
    frame = _FRAME.match(line)
    if frame is None:
        return line
    text = _built_text(impl_dir, frame.group(2))
    where = cell_line(text, int(frame.group(3))) if text else None
    if where is None:
        return line
    notebook, cell, cell_row = where
    return f"{frame.group(1)} ({notebook}, {cell}, line {cell_row}){frame.group(4)}"


@functools.cache
def _probe_functions(path: Path, mtime: float) -> frozenset[str]:
    """Top-level function names of a probe module, read without importing it."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return frozenset(node.name for node in tree.body
                     if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef))


class Subject(ABC):
    """Runs named probes against one implementation (a folder of modules)."""

    def __init__(self, impl_dir: Path, probes_dir: Path, label: str | None = None):
        self.impl_dir = Path(impl_dir).resolve()
        self.probes_dir = Path(probes_dir).resolve()
        self.label = label or str(self.impl_dir)

    def __repr__(self) -> str:
        # pytest's assertion explanations print it: the same for every run of a submission
        return "<the implementation under test>"

    @abstractmethod
    def _run(self, probe: str, inputs: dict[str, Any], timeout: float | None) -> dict[str, Any]:
        """Return the decoded outcome record of one probe call."""

    def check_probe(self, probe: str) -> None:
        """Raise :class:`UnknownProbe` unless ``probe`` is a function of a probe module."""
        try:
            module, function = probes.split_probe(probe)
        except ValueError as exc:
            raise UnknownProbe(str(exc)) from None
        path = self.probes_dir / f"{module}.py"
        if not path.is_file():
            raise UnknownProbe(f"no probe module {module}.py in {self.probes_dir}")
        if function not in _probe_functions(path, path.stat().st_mtime):
            raise UnknownProbe(f"{path.name} defines no probe {function!r}")

    def call_timed(self, probe: str, /, *, timeout: float | None = None,
                   **inputs: Any) -> tuple[Any, float]:
        """Run ``probe`` on ``inputs``; return (value, wall seconds measured by the grader)."""
        __tracebackhide__ = True
        self.check_probe(probe)
        start = time.perf_counter()
        outcome = self._run(probe, inputs, timeout)
        elapsed = time.perf_counter() - start
        if not outcome.get("ok"):
            raise ProbeFailure(probe, inputs, Failure.from_wire(outcome), self.impl_dir)
        return outcome.get("value"), elapsed

    def call(self, probe: str, /, *, timeout: float | None = None, **inputs: Any) -> Any:
        """Run ``probe`` on ``inputs`` and return its plain-data value."""
        __tracebackhide__ = True
        return self.call_timed(probe, timeout=timeout, **inputs)[0]

    def close(self) -> None:  # noqa: B027 - nothing to release by default
        """Release whatever the subject holds (child processes, temp folders)."""


class LocalSubject(Subject):
    """Runs probes in this process: fast and debuggable, for a student's own ``pytest``."""

    def _run(self, probe: str, inputs: dict[str, Any], timeout: float | None) -> dict[str, Any]:
        sent = wire.roundtrip(inputs)  # the same data-only copy the sandbox would receive
        outcome = probes.execute(self.impl_dir, self.probes_dir, probe, sent)
        try:
            return wire.roundtrip(outcome)
        except wire.WireError as exc:
            return Failure(FailureKind.UNSUPPORTED, str(exc)).to_wire()
