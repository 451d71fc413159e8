"""The records file of a pytest run (``--gradspec-results``): a journal kept as the run goes.

It is JSON Lines. After collection the first line is written whole (atomically): the run's
facts and every graded case, not run yet, or skipped where a mark already says so (an absent
GPU). Each case that finishes appends one line, its record; the end of the run appends the
last line, with pytest's exit status and every record as it stands, and is fsync'd. Appending
costs the same whatever the number of cases (rewriting the whole file at each case made a run
of n cases write O(n²) bytes).

:func:`read` folds the lines back into (records, facts). A run killed at any moment leaves a
readable file with every finished case in it: a torn last line (killed mid-write) is ignored,
and the exit status stays ``null`` without the end line, which marks a run cut short.
:func:`grader.result.build` grades what is there, and the grading process keeps live reports
from it (:mod:`grader.run.live`).
"""

from __future__ import annotations

import json
import os
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
    """The journal of one run at ``path``; ``facts`` are the run's own (implementation,
    mode)."""

    def __init__(self, path: Path, facts: dict[str, Any]) -> None:
        self.path, self.facts = Path(path), facts
        self._fd: int | None = None

    def plan(self, planned: list[dict[str, Any]]) -> None:
        """The collected cases, before any runs: the first line, written whole."""
        atomic_write_text(self.path, _line({"facts": self.facts, "records": planned}),
                          durable=False)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)

    def finished(self, record: dict[str, Any]) -> None:
        """A case's final record (after its teardown)."""
        if self._fd is not None:
            _write_all(self._fd, _line({"record": record}))

    def end(self, exitstatus: int, records: list[dict[str, Any]], **facts: Any) -> None:
        """The run ended with pytest's ``exitstatus``: every record as it stands, for good,
        and the facts known only at the end (leaderboard entries, the sandbox's CPU time)."""
        last = {"facts": facts, "exitstatus": int(exitstatus), "records": records}
        if self._fd is None:  # nothing was planned (collection failed): one whole file
            atomic_write_text(self.path, _line({"facts": self.facts, "records": []})
                              + _line(last))
            return
        try:
            _write_all(self._fd, _line(last))
            os.fsync(self._fd)
        finally:
            os.close(self._fd)
            self._fd = None


def read(path: Path) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
    """(records in plan order, facts with ``exitstatus``) of a records file, or None when it
    is missing or unreadable. A last line cut short (the writer was killed) is ignored."""
    try:
        lines = Path(path).read_bytes().split(b"\n")
    except OSError:
        return None
    if lines[-1]:  # no newline at the end: the last line was being written
        lines.pop()
    entries = []
    for line in (ln for ln in lines if ln):
        try:
            entry = json.loads(line)
        except ValueError:
            return None
        if not isinstance(entry, dict):
            return None
        entries.append(entry)
    if not entries or not isinstance(entries[0].get("records"), list):
        return None
    records: dict[str, dict[str, Any]] = {}
    facts: dict[str, Any] = {"exitstatus": None}
    for entry in entries:
        facts.update(entry.get("facts") or {})
        if "exitstatus" in entry:
            facts["exitstatus"] = entry["exitstatus"]
        batch = entry.get("records", [entry["record"]] if "record" in entry else [])
        if not isinstance(batch, list):
            return None
        for record in batch:
            if not isinstance(record, dict) or not isinstance(record.get("nodeid"), str):
                return None
            records[record["nodeid"]] = record
    return list(records.values()), facts


def _line(entry: dict[str, Any]) -> str:
    return json.dumps(entry) + "\n"


def _write_all(fd: int, text: str) -> None:
    data = text.encode("utf-8")
    while data:
        data = data[os.write(fd, data):]
