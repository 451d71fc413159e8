"""The class's grades on disk: an append-only ledger, and the CSV files made from it.

The ledger (``ledger.jsonl``) gets one JSON line per graded submission, written with
``fsync`` before the next one starts, so a batch killed at any moment (even SIGKILL) loses at
most the submissions in flight. ``grades.csv`` and the Canvas import are always regenerated
from the ledger and replaced atomically (temp file, fsync, ``os.replace``): a reader never sees
a half-written file, a lost row or a row twice.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from grader.atomic import atomic_write_text
from grader.scoring import fmt_points

PENDING = "pending"
GRADES_FIXED = ["student_id"]
GRADES_TAIL = ["total", "max", "status", "graded_at", "submission_hash"]
CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


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


def exercises_of(entries: Iterable[Mapping[str, Any]]) -> list[str]:
    """The exercises seen in any entry, sorted: the CSV's point columns."""
    names: set[str] = set()
    for entry in entries:
        names.update(entry.get("per_exercise") or {})
    return sorted(names)


def class_max(entries: Iterable[Mapping[str, Any]]) -> float:
    """The assignment's points possible: the largest max score of a graded submission."""
    return max((float(e.get("max_score") or 0.0) for e in entries), default=0.0)


def _to_csv(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue()


def grade_rows(entries: list[Mapping[str, Any]]) -> list[list[str]]:
    """The rows of ``grades.csv``, header first, one row per entry, sorted by student id."""
    exercises = exercises_of(entries)
    possible = class_max(entries)
    rows = [GRADES_FIXED + exercises + GRADES_TAIL]
    for entry in sorted(entries, key=lambda e: e["student_id"]):
        pending = entry.get("status") == PENDING
        per = entry.get("per_exercise") or {}
        points = [("" if pending else "0") if ex not in per else fmt_points(float(per[ex][0]))
                  for ex in exercises]
        total = "" if pending else fmt_points(float(entry.get("score") or 0.0))
        maximum = float(entry.get("max_score") or 0.0) or possible
        rows.append([entry["student_id"], *points, total, fmt_points(maximum),
                     str(entry.get("status", "")), str(entry.get("graded_at", "")),
                     str(entry.get("submission_hash") or entry.get("content_hash", ""))])
    return rows


def write_grades_csv(path: Path, entries: list[Mapping[str, Any]]) -> None:
    atomic_write_text(path, _to_csv(grade_rows(entries)))


def canvas_rows(entries: list[Mapping[str, Any]], assignment: str) -> list[list[str]]:
    """Canvas's gradebook import: the five student columns, then the assignment's column.

    The second row is Canvas's ``Points Possible`` row. Students are matched by Canvas user
    id (``ID``) when the submissions came from a Canvas download, else by ``SIS User ID``.
    Entries that are no student (a stray file) and pending ones are left out.
    """
    possible = class_max(entries)
    rows = [CANVAS_HEADER + [assignment],
            ["Points Possible", "", "", "", "", fmt_points(possible)]]
    for entry in sorted(entries, key=lambda e: e["student_id"]):
        meta = entry.get("meta") or {}
        if meta.get("stray") or entry.get("status") == PENDING:
            continue
        canvas_id = meta.get("canvas_id", "")
        rows.append([meta.get("name") or entry["student_id"], canvas_id,
                     "" if canvas_id else entry["student_id"], meta.get("email", ""), "",
                     fmt_points(float(entry.get("score") or 0.0))])
    return rows


def write_canvas_csv(path: Path, entries: list[Mapping[str, Any]], assignment: str) -> None:
    atomic_write_text(path, _to_csv(canvas_rows(entries, assignment)))
