"""The reports of a whole class, each a function of the batch's ledger entries.

Every entry holds one submission's :meth:`grader.result.RunResult.summary` (its points as
every report of that run shows them), so ``grades.csv``, the Canvas import and the class
report render the same numbers as each student's ``results.json``, without reading any of
them back. A report is a module with ``write(book, out)``; :data:`CLASS_REPORTS` lists them.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from grader.assignment import EVERY_EXERCISE
from grader.outcome import SubmissionStatus
from grader.scoring import points

#: report -> module with ``write(book: Gradebook, out: Path) -> Path``
CLASS_REPORTS = {
    "grades": "grader.reports.gradebook.grades_csv",      # grades.csv
    "canvas": "grader.reports.gradebook.canvas",          # canvas_import.csv
    "report": "grader.reports.gradebook.class_report",    # report.html, figures/
}


@dataclass(frozen=True)
class Gradebook:
    """A class's ledger entries (one per student, in any order), the assignment's name, its
    id in Canvas (None when not given) and, when one was chosen, its exercises (the point
    columns, in the ini's order)."""

    entries: tuple[Mapping[str, Any], ...]
    assignment: str = EVERY_EXERCISE
    canvas_id: str | None = None
    columns: tuple[str, ...] | None = None

    @classmethod
    def of(cls, entries: Iterable[Mapping[str, Any]], assignment: str = EVERY_EXERCISE,
           canvas_id: str | None = None, columns: tuple[str, ...] | None = None) -> Gradebook:
        return cls(tuple(sorted(entries, key=lambda e: e["student_id"])), assignment, canvas_id,
                   columns)

    @staticmethod
    def pending(entry: Mapping[str, Any]) -> bool:
        return entry.get("status") == SubmissionStatus.PENDING

    @staticmethod
    def stray(entry: Mapping[str, Any]) -> bool:
        return bool((entry.get("meta") or {}).get("stray"))

    @property
    def students(self) -> list[Mapping[str, Any]]:
        """Entries that are students with a verdict (not a stray file, not pending)."""
        return [e for e in self.entries if not self.pending(e) and not self.stray(e)]

    @property
    def exercises(self) -> list[str]:
        """The point columns: the assignment's exercises, else every one seen in an entry,
        sorted."""
        if self.columns is not None:
            return list(self.columns)
        return sorted({name for e in self.entries for name in e.get("per_exercise") or {}})

    @property
    def possible(self) -> Fraction:
        """The assignment's points possible: the largest max score of a graded submission."""
        return max((points(e.get("max_score") or 0) for e in self.entries),
                   default=Fraction(0))

    @staticmethod
    def score(entry: Mapping[str, Any]) -> Fraction:
        return points(entry.get("score") or 0)

    @staticmethod
    def exercise_points(entry: Mapping[str, Any],
                        exercise: str) -> tuple[Fraction, Fraction] | None:
        per = (entry.get("per_exercise") or {}).get(exercise)
        return None if per is None else (points(per[0]), points(per[1]))


def write_class_reports(book: Gradebook, out: Path, names: Iterable[str] | None = None) -> None:
    """Write the class reports ``names`` (default: all of :data:`CLASS_REPORTS`) into ``out``."""
    for name in names if names is not None else CLASS_REPORTS:
        importlib.import_module(CLASS_REPORTS[name]).write(book, Path(out))
