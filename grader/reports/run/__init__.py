"""The reports of one graded run, each a function of its :class:`grader.result.RunResult`.

A report is a module with ``write(result, out_dir, options)``; :data:`RUN_REPORTS` lists
them in the order they are written, each with its reader. A student's report renders the
run's :func:`grader.reports.student_view.student_view` (hidden tests shown as the reveal
policy says) into the run's folder; an instructor's renders the whole result into the
instructor's folder (the same folder for ``grader run``; ``instructor/<id>/`` in a batch,
whose ``students/<id>/`` folders are handed to students). Adding a format is its module plus
one line here. Gradescope's ``results.json`` comes last: its presence means the whole set is
complete. :data:`LIVE_REPORTS` are the ones a run can keep current while it goes
(:mod:`grader.run.live`), so that a run killed part way still leaves them.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from grader import settings
from grader.outcome import Reveal
from grader.reports.student_view import student_view
from grader.result import RunResult


class Reader(StrEnum):
    STUDENT = "student"
    INSTRUCTOR = "instructor"


@dataclass(frozen=True)
class ReportOptions:
    """How a run's reports are written (resolved from :mod:`grader.settings` by the caller)."""

    reveal: Reveal = settings.REVEAL.default
    per_case_rows: bool = settings.PER_CASE_ROWS.default


#: report -> (module with ``write(result, out_dir, options) -> None``, who reads it)
RUN_REPORTS = {
    "grade": ("grader.reports.run.grade_json", Reader.INSTRUCTOR),   # grade.json: everything
    "feedback": ("grader.reports.run.feedback", Reader.STUDENT),     # feedback.md, .html
    "junit": ("grader.reports.run.junit", Reader.STUDENT),           # junit.xml
    "gradescope": ("grader.reports.run.gradescope", Reader.STUDENT),  # results.json (last)
}

#: The reports a platform reads on its own (Gradescope's results.json): kept current during a
#: run when asked.
LIVE_REPORTS = ("gradescope",)


def write_run_reports(result: RunResult, out_dir: Path, options: ReportOptions | None = None,
                      instructor_dir: Path | None = None,
                      names: Iterable[str] | None = None) -> None:
    """Write every report of ``result`` (or those ``names``): the students' into ``out_dir``
    (rendered from the student view), the instructor's into ``instructor_dir`` (default
    ``out_dir``)."""
    options = options or ReportOptions()
    folders = {Reader.STUDENT: Path(out_dir), Reader.INSTRUCTOR: Path(instructor_dir or out_dir)}
    views = {Reader.STUDENT: student_view(result, options.reveal), Reader.INSTRUCTOR: result}
    chosen = set(RUN_REPORTS if names is None else names)
    for name, (module, reader) in RUN_REPORTS.items():
        if name in chosen:
            folders[reader].mkdir(parents=True, exist_ok=True)
            importlib.import_module(module).write(views[reader], folders[reader], options)
