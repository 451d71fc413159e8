"""The records file of a pytest run (``--gradspec-results``), kept whole on disk as the run goes.

After collection it lists every graded case: not run yet, or skipped where a mark already
says so (an absent GPU). Each case's entry is replaced by its record when the case finishes
(at its teardown) and the whole file is replaced atomically, so a run killed at any moment
leaves a valid file with every finished case in it; :func:`grader.result.build` grades what
is there, and the grading process can keep live reports from it (:mod:`grader.run.live`).
The exit status stays ``null`` until pytest ends: a file without one is a run cut short.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grader.atomic import atomic_write_text
from grader.outcome import TestOutcome


def planned_record(base: dict[str, Any], marks: list[Any]) -> dict[str, Any]:
    """A collected case's entry before it runs: ``not run``, or ``skipped`` with the reason
    of a ``skip`` mark, or of a ``skipif`` mark whose condition is already True."""
    record = dict(base, outcome=TestOutcome.NOT_RUN.value, kind=None, message="", where="",
                  duration=0.0)
    for mark in marks:
        condition = mark.args[0] if mark.args else mark.kwargs.get("condition", True)
        if mark.name == "skip" or (mark.name == "skipif" and condition is True):
            reason = mark.kwargs.get("reason", mark.args[0] if mark.name == "skip" and mark.args
                                     else "")
            record.update(outcome=TestOutcome.SKIPPED.value, message=str(reason))
            break
    return record


class RecordsFile:
    """Every graded case's record, written to ``path`` whenever one changes; ``facts`` are
    the run's own (implementation, mode)."""

    def __init__(self, path: Path, facts: dict[str, Any]) -> None:
        self.path, self.facts = path, facts
        self._texts: dict[str, str] = {}  # each record's JSON, made once per change

    def plan(self, planned: list[dict[str, Any]]) -> None:
        """The collected cases, before any runs."""
        for record in planned:
            self._set(record)
        self.save()

    def finished(self, record: dict[str, Any]) -> None:
        """A case's final record (after its teardown)."""
        self._set(record)
        self.save()

    def end(self, exitstatus: int, records: list[dict[str, Any]], **facts: Any) -> None:
        """The run ended with pytest's ``exitstatus``: every record as it stands, for good,
        and the facts known only at the end (leaderboard entries, the sandbox's CPU time)."""
        self.facts = dict(self.facts, **facts)
        for record in records:
            self._set(record)
        self.save(exitstatus)

    def _set(self, record: dict[str, Any]) -> None:
        self._texts[record["nodeid"]] = json.dumps(record)

    def save(self, exitstatus: int | None = None) -> None:
        """Rewrite the file; ``exitstatus``: the run ended.

        While the run goes the file is replaced without fsync (whole or not at all, also for
        a killed process: it loses nothing the kernel has); the final write is fsync'd.
        """
        head = json.dumps(dict(self.facts, exitstatus=exitstatus))[:-1]
        atomic_write_text(self.path, f'{head}, "records": [\n'
                          + ",\n".join(self._texts.values()) + "\n]}\n",
                          durable=exitstatus is not None)
