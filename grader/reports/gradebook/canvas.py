"""``canvas_import.csv``: Canvas's gradebook import (Grades → Import).

The five student columns (Student, ID, SIS User ID, SIS Login ID, Section), then the
assignment's column, and Canvas's ``Points Possible`` row. Students are matched by Canvas
user id (``ID``) when the submissions came from a Canvas download, else by ``SIS User ID``.
Entries that are no student (a stray file) and pending ones are left out.
"""

from __future__ import annotations

from pathlib import Path

from grader.atomic import atomic_write_text
from grader.reports.gradebook import Gradebook
from grader.reports.gradebook.grades_csv import to_csv
from grader.scoring import fmt_points

HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def rows(book: Gradebook) -> list[list[str]]:
    out = [HEADER + [book.assignment],
           ["Points Possible", "", "", "", "", fmt_points(book.possible)]]
    for entry in book.students:
        meta = entry.get("meta") or {}
        canvas_id = meta.get("canvas_id", "")
        out.append([meta.get("name") or entry["student_id"], canvas_id,
                    "" if canvas_id else entry["student_id"], meta.get("email", ""), "",
                    fmt_points(book.score(entry))])
    return out


def write(book: Gradebook, out: Path) -> Path:
    path = out / "canvas_import.csv"
    atomic_write_text(path, to_csv(rows(book)))
    return path
