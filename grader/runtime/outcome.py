"""The failure vocabulary both sides of the sandbox speak: what can go wrong with a call.

A probe call either answers (``{"ok": True, "value": ...}``) or fails with a
:class:`Failure` whose :class:`FailureKind` says how: the student's code raised, hung,
crashed, ran out of memory, exited, flooded its output, answered with something the wire
cannot carry, or broke the protocol. The kind travels as its ``value`` (a plain string) and
is rebuilt as the enum on the grader's side; each kind carries the label the reports show
and the hint a student acts on. Standard library only: this module runs next to student
code too (it is part of :mod:`grader.runtime`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class FailureKind(StrEnum):
    """How a test failed, from the most to the least specific."""

    MISSING_MODULE = "missing-module"
    IMPORT_ERROR = "import-error"
    NOT_IMPLEMENTED = "not-implemented"
    DEVICE = "device"
    EXCEPTION = "exception"
    TIMEOUT = "timeout"
    MEMORY = "memory"
    CRASHED = "crashed"
    EXITED = "exited"
    OUTPUT_LIMIT = "output-limit"
    UNSUPPORTED = "unsupported"
    PROTOCOL = "protocol"
    #: A check of the spec suite failed: the code answered, wrongly.
    CHECK = "check"
    #: The test itself raised (not the student's code, not a check): the suite's problem.
    TEST_ERROR = "test-error"
    #: The test could not be set up or torn down (a fixture failed): the grader's problem.
    SETUP_ERROR = "setup-error"

    @property
    def label(self) -> str:
        """The status shown in every report (``timeout``, ``import error``...)."""
        return _LABELS[self]

    @property
    def hint(self) -> str:
        """What usually causes it, for the student (may name ``{module}``); "" if nothing."""
        return _HINTS.get(self, "")

    @property
    def untested(self) -> bool:
        """The code could not be tested at all (vs answered wrong or is unfinished): a whole
        exercise failing with such a kind is named in the submission's status."""
        return self not in (FailureKind.CHECK, FailureKind.EXCEPTION,
                            FailureKind.NOT_IMPLEMENTED, FailureKind.DEVICE,
                            FailureKind.TEST_ERROR, FailureKind.SETUP_ERROR)

    @property
    def at_import(self) -> bool:
        """The module itself is missing or fails to import."""
        return self in (FailureKind.MISSING_MODULE, FailureKind.IMPORT_ERROR)

    @classmethod
    def parse(cls, value: Any) -> FailureKind | None:
        """The kind named by ``value``, or None when no kind has that name."""
        try:
            return cls(str(value))
        except ValueError:
            return None


_LABELS = {
    FailureKind.MISSING_MODULE: "module missing",
    FailureKind.IMPORT_ERROR: "import error",
    FailureKind.NOT_IMPLEMENTED: "not implemented",
    FailureKind.DEVICE: "device placement",
    FailureKind.EXCEPTION: "raised an exception",
    FailureKind.TIMEOUT: "timeout",
    FailureKind.MEMORY: "memory limit",
    FailureKind.CRASHED: "crashed",
    FailureKind.EXITED: "exited",
    FailureKind.OUTPUT_LIMIT: "output limit",
    FailureKind.UNSUPPORTED: "returned an unsupported value",
    FailureKind.PROTOCOL: "broke the probe protocol",
    FailureKind.CHECK: "failed",
    FailureKind.TEST_ERROR: "error in the test",
    FailureKind.SETUP_ERROR: "error in test setup",
}

_HINTS = {
    FailureKind.MISSING_MODULE: "Check the file name and that it sits at the top of your "
                                "submission.",
    FailureKind.IMPORT_ERROR: "Your module fails when it is imported: run "
                              "`python -c 'import {module}'`.",
    FailureKind.DEVICE: "Your code read the values of a tensor on the `meta` device (which has "
                        "none): a .cpu(), .item(), .numpy(), float() or print of a tensor on "
                        "the way, or a backward() through a tensor made on the CPU and then "
                        "moved with .to(device) (create it there: device=...). Keep every "
                        "step a torch operation on the input's device.",
    FailureKind.TIMEOUT: "The call did not finish in time: look for an endless loop or a huge "
                         "n_steps.",
    FailureKind.MEMORY: "The call ran out of memory: look for a tensor that grows every step.",
    FailureKind.EXITED: "Your code called exit(); raise an exception instead.",
    FailureKind.PROTOCOL: "Your code wrote to (or closed) the grader's private channel: a file "
                          "descriptor it does not own, e.g. os.write(3, ...), os.close(...) "
                          "or a stream opened on /proc/self/fd. Only print to stdout and "
                          "stderr, and leave descriptors you did not open alone.",
}


@dataclass(frozen=True)
class Failure:
    """One failed call: its kind, the exception type (if the student's code raised), a
    message, and the student's traceback (harness frames left out)."""

    kind: FailureKind
    message: str = ""
    exc_type: str = ""
    traceback: str = ""

    def to_wire(self) -> dict[str, Any]:
        """The outcome record that crosses the boundary (plain data)."""
        return {"ok": False, "kind": self.kind.value, "exc_type": self.exc_type,
                "message": self.message, "traceback": self.traceback}

    @classmethod
    def from_wire(cls, record: Any) -> Failure:
        """Rebuild a failure from an outcome record; an unknown kind is a protocol failure."""
        if not isinstance(record, dict):
            return cls(FailureKind.PROTOCOL, "a malformed outcome came back on the grader's "
                                             "pipe")
        kind = FailureKind.parse(record.get("kind"))
        if kind is None:
            return cls(FailureKind.PROTOCOL, f"an outcome of unknown kind "
                                             f"{str(record.get('kind'))[:40]!r} came back")
        return cls(kind, str(record.get("message", "")), str(record.get("exc_type", "")),
                   str(record.get("traceback", "")))

    def with_message(self, message: str) -> Failure:
        return Failure(self.kind, message, self.exc_type, self.traceback)
