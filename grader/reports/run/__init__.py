"""The reports of one graded run, each a function of its :class:`grader.result.RunResult`.

A report is a module with ``write(result, out_dir)``; :data:`RUN_REPORTS` lists them in the
order they are written. Adding a format is its module plus one line here. Gradescope's
``results.json`` comes last: its presence means the whole set is complete.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from grader.result import RunResult

#: report -> module with ``write(result: RunResult, out_dir: Path) -> None``
RUN_REPORTS = {
    "grade": "grader.reports.run.grade_json",        # grade.json: the whole result
    "feedback": "grader.reports.run.feedback",       # feedback.md, feedback.html
    "junit": "grader.reports.run.junit",             # junit.xml
    "gradescope": "grader.reports.run.gradescope",   # results.json (last)
}


def write_run_reports(result: RunResult, out_dir: Path) -> None:
    """Write every report of ``result`` into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for module in RUN_REPORTS.values():
        importlib.import_module(module).write(result, out_dir)
