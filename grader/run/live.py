"""Live reports: a grading run's platform-read reports kept current while its pytest child runs.

The pytest child appends to its records file as each test finishes (:mod:`grader.records_file`);
this watcher, in the grading process, rereads it when it changes (at most once per
:data:`LIVE_INTERVAL_S`) and hands the records to a callback that grades them as a run stopped
there and writes the live reports (:data:`grader.reports.run.LIVE_REPORTS`) with the run's own
options, late policy and reveal policy. A platform that kills the whole run (Gradescope's
timeout, an out-of-memory kill) then still finds every test that had finished.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from grader import result as grade

#: Seconds between two looks at the records file.
LIVE_INTERVAL_S = 1.0

OnRecords = Callable[[list[grade.TestRecord], dict[str, Any]], None]


class LiveReports:
    """While in its ``with`` block, calls ``on_records(records, facts)`` whenever ``records``
    (a records file) has changed; a failing callback is reported once and stops the watch."""

    def __init__(self, records: Path, on_records: OnRecords,
                 interval: float = LIVE_INTERVAL_S) -> None:
        self.path, self.on_records, self.interval = Path(records), on_records, interval
        self._stop = threading.Event()
        self._seen: tuple[int, int] | None = None
        self._thread = threading.Thread(target=self._watch, name="gradspec-live", daemon=True)

    def __enter__(self) -> LiveReports:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                stat = self.path.stat()
            except OSError:
                continue  # not written yet
            if (stat.st_mtime_ns, stat.st_size) == self._seen:
                continue
            found = grade.read_records(self.path)  # a torn last line is left out
            if found is None:
                continue
            self._seen = stat.st_mtime_ns, stat.st_size
            try:
                self.on_records(*found)
            except Exception as exc:  # the final reports are still written after the run
                print(f"gradspec: live reports stopped: {exc!r}", file=sys.stderr)
                return
