"""The class's grades on disk: an append-only ledger of graded submissions.

The ledger (``ledger.jsonl``) gets one JSON line per graded submission (its
:meth:`grader.result.RunResult.summary` and who and what it was), written with ``fsync``
before the next one starts, so a batch killed at any moment (even SIGKILL) loses at most the
submissions in flight. The class's reports (:mod:`grader.reports.gradebook`) are always
regenerated from it and replaced atomically: a reader never sees a half-written file, a
lost row or a row twice.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any


class Ledger:
    """Append-only record of graded submissions; the latest line of a student wins."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def load(self) -> dict[str, dict[str, Any]]:
        """Every student's latest entry. A torn last line (a kill mid-write) is cut off."""
        if not self.path.exists():
            return {}
        data = self.path.read_bytes()
        end = data.rfind(b"\n") + 1
        if end < len(data):
            os.truncate(self.path, end)  # drop the partial line so the next append is clean
            data = data[:end]
        entries: dict[str, dict[str, Any]] = {}
        for line in data.splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and isinstance(entry.get("student_id"), str):
                entries[entry["student_id"]] = entry
        return entries

    def append(self, entry: Mapping[str, Any]) -> None:
        """Add one entry durably: it is on disk when this returns."""
        line = json.dumps(entry, sort_keys=True, ensure_ascii=True) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
