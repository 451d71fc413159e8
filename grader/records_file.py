"""The records file of a pytest run (``--gradspec-results``), kept whole on disk as the run goes.

After collection it lists every graded case: not run yet, or skipped where a mark already
says so (an absent GPU). Each case's entry is replaced by its record when the case finishes
(at its teardown) and the whole file is replaced atomically, so a run killed at any moment
leaves a valid file with every finished case in it; :func:`grader.result.build` grades what
is there. When asked, the run's live reports (results.json: what a platform reads) are
rewritten from the same records as if the run stopped there: a report costs a whole grade (a
record, a line), so they are rewritten in a background thread at most once per
:data:`LIVE_INTERVAL_S` (always with the records as they stand then) and once at the end.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader import result as grade
from grader.atomic import atomic_write_text
from grader.outcome import TestOutcome
from grader.reports.run import LIVE_REPORTS, write_run_reports

#: Seconds between two rewrites of the live reports while the run goes.
LIVE_INTERVAL_S = 1.0


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
    """Every graded case's record, written to ``path`` whenever one changes.

    ``facts`` are the run's own (implementation, mode); ``live`` builds the grade of the run
    so far (``records, exit_code, elapsed -> RunResult``) for the live reports in
    ``live_dir``.
    """

    def __init__(self, path: Path | None, facts: dict[str, Any], live_dir: Path | None = None,
                 live: Callable[[list[grade.TestRecord], int | None, float],
                                grade.RunResult] | None = None) -> None:
        self.path, self.facts = path, facts
        self.live_dir, self.live = live_dir, live
        self.started = time.monotonic()
        self._records: dict[str, dict[str, Any]] = {}
        self._texts: dict[str, str] = {}  # each record's JSON, made once per change
        self._lock = threading.Lock()  # the records and the timer, shared with the live writer
        self._timer: threading.Timer | None = None  # a live rewrite due, not written yet
        self._writing = threading.Lock()  # one live rewrite at a time, the final one last
        self._last_live = float("-inf")
        self._ended = False

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
        nodeid, text = record["nodeid"], json.dumps(record)
        with self._lock:
            self._records[nodeid] = record
            self._texts[nodeid] = text

    def save(self, exitstatus: int | None = None) -> None:
        """Rewrite the file (and the live reports when due); ``exitstatus``: the run ended.

        While the run goes the file is replaced without fsync (whole or not at all, also for
        a killed process: it loses nothing the kernel has); the final write is fsync'd.
        """
        final = exitstatus is not None
        if self.path is not None:
            head = json.dumps(dict(self.facts, exitstatus=exitstatus))[:-1]
            atomic_write_text(self.path, f'{head}, "records": [\n'
                              + ",\n".join(self._texts.values()) + "\n]}\n", durable=final)
        if self.live is None or self.live_dir is None:
            return
        if final:
            self._ended = True  # a rewrite still due now writes nothing; one under way ends first
            if self._timer is not None:
                self._timer.cancel()
            self._write_live(exitstatus)
            return
        with self._lock:
            if self._timer is None:
                wait = max(0.0, self._last_live + LIVE_INTERVAL_S - time.monotonic())
                self._timer = threading.Timer(wait, self._write_live_due)
                self._timer.daemon = True  # a run that ends (or dies) does not wait for it
                self._timer.start()

    def _write_live_due(self) -> None:
        with self._lock:
            self._timer = None
        self._write_live(None)

    def _write_live(self, exitstatus: int | None) -> None:
        """The live reports of the records as they stand now (``exitstatus``: the final ones)."""
        assert self.live is not None and self.live_dir is not None
        with self._writing:
            if self._ended and exitstatus is None:
                return
            self._last_live = now = time.monotonic()
            with self._lock:
                records = list(self._records.values())
            result = self.live([grade.TestRecord.from_json(r) for r in records], exitstatus,
                               now - self.started)
            write_run_reports(result, self.live_dir, LIVE_REPORTS)
