"""What ``check()`` shows under a notebook cell: the run's score, what was graded from which
cells, and every public failure with its message; HTML for Jupyter, text elsewhere. Both
render the run's :class:`grader.result.RunResult` (templates ``check.html.j2``,
``check.txt.j2``), every run-provided string escaped in the HTML."""

from __future__ import annotations

from grader.reports.run.feedback import template_environment
from grader.result import RunResult


def render_html(result: RunResult) -> str:
    return template_environment(True).get_template("check.html.j2").render(view=result)


def render_text(result: RunResult) -> str:
    return template_environment(False).get_template("check.txt.j2").render(view=result)
