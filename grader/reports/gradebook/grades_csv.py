"""``grades.csv``: one row per student — id, points per exercise, total (after any late
penalty), max, the total before the penalty and the penalty itself, status, graded-at,
submission hash — sorted by id, the same bytes for the same ledger."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from grader.atomic import atomic_write_text
from grader.reports.gradebook import Gradebook
from grader.reports.text import printable
from grader.scoring import fmt_points, points

FIXED = ["student_id"]
TAIL = ["total", "max", "raw_total", "late", "status", "graded_at", "submission_hash"]


#: A cell starting with one of these is a formula to a spreadsheet (OWASP's CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def cell_text(cell: str) -> str:
    """``cell`` as a spreadsheet shows it: text a student chose (an id, a name) that starts
    like a formula gets a leading ``'``, control characters are escaped; numbers stay."""
    cell = str(cell)
    if cell.startswith(_FORMULA_STARTS) and not _number(cell):
        cell = "'" + cell
    return printable(cell)


def to_csv(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(
        [cell_text(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def rows(book: Gradebook) -> list[list[str]]:
    """The rows of ``grades.csv``, header first, one row per entry, sorted by student id."""
    exercises = book.exercises
    possible = book.possible
    out = [FIXED + exercises + TAIL]
    for entry in book.entries:
        pending = book.pending(entry)
        cells = []
        for ex in exercises:
            got = book.exercise_points(entry, ex)
            cells.append(("" if pending else "0") if got is None else fmt_points(got[0]))
        total = "" if pending else fmt_points(book.score(entry))
        raw = "" if pending else fmt_points(entry.get("raw_score") or book.score(entry))
        maximum = points(entry.get("max_score") or 0) or possible
        late = entry.get("late") or {}
        out.append([entry["student_id"], *cells, total, fmt_points(maximum), raw,
                    str(late.get("note", "")),
                    str(entry.get("status", "")), str(entry.get("graded_at", "")),
                    str(entry.get("submission_hash") or entry.get("content_hash", ""))])
    return out


def write(book: Gradebook, out: Path) -> Path:
    path = out / "grades.csv"
    atomic_write_text(path, to_csv(rows(book)))
    return path
