"""A class roster (``grader batch --roster FILE``): who each submission is, what the LMS calls
them, and when they submitted.

A CSV with a header; column names are matched without regard to case, and any may be
missing:

* the id: ``student_id``, GitHub Classroom's ``identifier``, Canvas's ``ID`` or
  ``SIS User ID`` (a submission is this student's when its id is any of them);
* ``github_username`` (GitHub Classroom's roster export): a folder ``<assignment>-<username>``
  (what ``gh classroom clone student-repos`` writes) is graded as this student's id;
* ``name`` or ``Student``, ``login`` or ``SIS Login ID``, ``sis_id`` or ``SIS User ID``,
  ``section`` or ``Section``: written to ``canvas_import.csv``;
* ``submitted_at``, ``due_date``, ``late_due_date``: ISO 8601 times for the late policy.

A Canvas gradebook export (Grades → Export) is a roster as it is; add the time columns to
apply a late policy by the hour rather than by Canvas's ``_LATE`` mark.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, fields
from pathlib import Path

from grader.late import Lateness

#: column -> field, for the columns that have another name in a platform's export
_ALIASES = {"student": "name", "sis login id": "login", "sis user id": "sis_id",
            "identifier": "student_id", "id": "canvas_id"}


@dataclass(frozen=True)
class RosterEntry:
    """One student's row (every field text; "" when the roster has no such column)."""

    student_id: str = ""
    canvas_id: str = ""
    sis_id: str = ""
    github_username: str = ""
    name: str = ""
    login: str = ""
    section: str = ""
    submitted_at: str = ""
    due_date: str = ""
    late_due_date: str = ""

    @property
    def ids(self) -> list[str]:
        return [i for i in (self.student_id, self.canvas_id, self.sis_id) if i]

    def meta(self) -> dict[str, str]:
        """What the class reports show of this student (only the fields the roster gives)."""
        given = {"name": self.name, "login": self.login, "sis_id": self.sis_id,
                 "section": self.section, "canvas_id": self.canvas_id}
        return {key: value for key, value in given.items() if value}

    def lateness(self, marked_late: bool = False) -> Lateness:
        """The times of this row, with the platform's own "late" mark."""
        return Lateness.from_text(self.submitted_at, self.due_date, self.late_due_date,
                                  marked_late)


class Roster:
    """The rows of a roster file, found by any of their ids or by a GitHub username."""

    def __init__(self, entries: list[RosterEntry]):
        self.entries = entries
        self._by_id = {i: e for e in entries for i in e.ids}

    @classmethod
    def read(cls, path: Path) -> Roster:
        """Read a roster CSV; a row with no id (Canvas's "Points Possible" row) is skipped.
        A time that does not parse is refused here, before anything is graded."""
        names = {f.name for f in fields(RosterEntry)}
        try:
            with open(path, newline="", encoding="utf-8-sig") as handle:
                rows = list(csv.DictReader(handle))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise ValueError(f"--roster {path}: cannot read it as a UTF-8 CSV file "
                             f"({getattr(exc, 'strerror', None) or exc})") from None
        entries = []
        for row in rows:
            values: dict[str, str] = {}
            for column, value in row.items():
                if column is None:
                    continue
                key = column.strip().lower()
                key = _ALIASES.get(key, key.replace(" ", "_"))
                if key in names and value and value.strip():
                    values.setdefault(key, value.strip())
            entry = RosterEntry(**values)
            if entry.ids and "points possible" not in entry.name.lower():
                try:
                    entry.lateness()
                except ValueError as exc:
                    raise ValueError(f"{path}: student {entry.ids[0]}: {exc}") from None
                entries.append(entry)
        return cls(entries)

    def find(self, submission_id: str) -> RosterEntry | None:
        """The row of a submission: by id, else by the GitHub username its folder ends with
        (``lab1-octocat`` is ``octocat``'s; the longest matching username wins)."""
        entry = self._by_id.get(submission_id)
        if entry is not None:
            return entry
        matches = [e for e in self.entries if e.github_username
                   and submission_id.lower().endswith("-" + e.github_username.lower())]
        return max(matches, key=lambda e: len(e.github_username), default=None)
