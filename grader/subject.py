"""The implementation under test, as the spec tests see it: a thing that runs probes.

Tests never import the code under test. They call ``subject.call("cosine.value_and_grads",
x=x, y=y)`` and get back plain data (see :mod:`grader.runtime.wire`). :class:`LocalSubject` runs the
probe in-process (a student's ``pytest``); ``grader.sandbox.IsolatedSubject`` runs it in a
sandbox child (``grader run``/``grader batch``). Both raise :class:`ProbeFailure` when the
student's code fails, with a message a student can act on.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from grader.describe import describe_call
from grader.runtime import probes, wire

#: Statuses a probe failure can carry, from the most to the least specific.
FAILURE_KINDS = {
    "missing-module": "module missing",
    "import-error": "import error",
    "exception": "raised an exception",
    "timeout": "timeout",
    "memory": "memory limit",
    "crashed": "crashed",
    "exited": "exited",
    "output-limit": "output limit",
    "unsupported": "returned an unsupported value",
    "protocol": "broke the probe protocol",
}

_HINTS = {
    "missing-module": "Check the file name and that it sits at the top of your submission.",
    "import-error": "Your module fails when it is imported: run `python -c 'import {module}'`.",
    "timeout": "The call did not finish in time: look for an endless loop or a huge n_steps.",
    "memory": "The call ran out of memory: look for a tensor that grows every step.",
    "exited": "Your code called exit(); raise an exception instead.",
}


class ProbeFailure(AssertionError):
    """The student's code failed while a probe ran it; the message says how and where."""

    def __init__(self, probe: str, inputs: dict[str, Any], outcome: dict[str, Any]):
        self.probe = probe
        self.kind = str(outcome.get("kind", "exception"))
        self.exc_type = str(outcome.get("exc_type", ""))
        self.detail = str(outcome.get("message", ""))
        self.student_traceback = str(outcome.get("traceback", ""))
        super().__init__(self._format(inputs))

    @property
    def status(self) -> str:
        if self.exc_type == "NotImplementedError":
            return "not implemented"
        return FAILURE_KINDS.get(self.kind, self.kind)

    def _format(self, inputs: dict[str, Any]) -> str:
        module = self.probe.partition(".")[0]
        what = f"{self.exc_type}: {self.detail}" if self.exc_type else self.detail
        lines = [f"{self.status} while running {describe_call(self.probe, inputs)}"]
        if what:
            lines.append(f"  {what}")
        hint = _HINTS.get(self.kind)
        if hint:
            lines.append("  hint: " + hint.format(module=module))
        if self.student_traceback:
            lines.append("  traceback from your code:")
            lines.extend("    " + line for line in self.student_traceback.rstrip().splitlines())
        return "\n".join(lines)


class Subject(ABC):
    """Runs named probes against one implementation (a folder of modules)."""

    mode: str = "?"

    def __init__(self, impl_dir: Path, probes_dir: Path, label: str | None = None):
        self.impl_dir = Path(impl_dir).resolve()
        self.probes_dir = Path(probes_dir).resolve()
        self.label = label or str(self.impl_dir)

    @abstractmethod
    def _run(self, probe: str, inputs: dict[str, Any], timeout: float | None) -> dict[str, Any]:
        """Return the decoded outcome record of one probe call."""

    def call_timed(self, probe: str, /, *, timeout: float | None = None,
                   **inputs: Any) -> tuple[Any, float]:
        """Run ``probe`` on ``inputs``; return (value, wall seconds measured by the grader)."""
        __tracebackhide__ = True
        start = time.perf_counter()
        outcome = self._run(probe, inputs, timeout)
        elapsed = time.perf_counter() - start
        if not outcome.get("ok"):
            raise ProbeFailure(probe, inputs, outcome)
        return outcome.get("value"), elapsed

    def call(self, probe: str, /, *, timeout: float | None = None, **inputs: Any) -> Any:
        """Run ``probe`` on ``inputs`` and return its plain-data value."""
        __tracebackhide__ = True
        return self.call_timed(probe, timeout=timeout, **inputs)[0]

    def close(self) -> None:  # noqa: B027 - nothing to release by default
        """Release whatever the subject holds (child processes, temp folders)."""


class LocalSubject(Subject):
    """Runs probes in this process: fast and debuggable, for a student's own ``pytest``."""

    mode = "local"

    def _run(self, probe: str, inputs: dict[str, Any], timeout: float | None) -> dict[str, Any]:
        sent = wire.roundtrip(inputs)  # the same data-only copy the sandbox would receive
        outcome = probes.execute(self.impl_dir, self.probes_dir, probe, sent)
        try:
            return wire.roundtrip(outcome)
        except wire.WireError as exc:
            return {"ok": False, "kind": "unsupported", "message": str(exc)}
