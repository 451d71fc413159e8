"""``canvas_import.csv``: Canvas's gradebook import (Grades → Import).

The five student columns (Student, ID, SIS User ID, SIS Login ID, Section), then the
assignment's column, and Canvas's ``Points Possible`` row. Canvas fills an existing
assignment only when the column's header is that assignment's own, ``<name> (<id>)``: with
``--canvas-id`` the header is that, else the bare name (Canvas then creates a new
assignment). Students are matched by Canvas user id (``ID``) when it is known (a Canvas
download, or a roster), else by ``SIS User ID``. ``SIS Login ID`` holds the login from the
roster, never an e-mail address; it is empty when unknown. Entries that are no student (a
stray file) and pending ones are left out.
"""

from __future__ import annotations

from pathlib import Path

from grader.atomic import atomic_write_text
from grader.reports.gradebook import Gradebook
from grader.reports.gradebook.grades_csv import to_csv
from grader.scoring import fmt_points

HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def column(book: Gradebook) -> str:
    """The assignment's column header: ``Lab 1 (12345)`` with a Canvas id, else ``Lab 1``."""
    return f"{book.assignment} ({book.canvas_id})" if book.canvas_id else book.assignment


def rows(book: Gradebook) -> list[list[str]]:
    out = [HEADER + [column(book)],
           ["Points Possible", "", "", "", "", fmt_points(book.possible)]]
    for entry in book.students:
        meta = entry.get("meta") or {}
        canvas_id = meta.get("canvas_id", "")
        sis_id = meta.get("sis_id") or ("" if canvas_id else entry["student_id"])
        out.append([meta.get("name") or entry["student_id"], canvas_id, sis_id,
                    meta.get("login", ""), meta.get("section", ""),
                    fmt_points(book.score(entry))])
    return out


def write(book: Gradebook, out: Path) -> Path:
    path = out / "canvas_import.csv"
    atomic_write_text(path, to_csv(rows(book)))
    return path
