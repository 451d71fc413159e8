"""The student's feedback page, as Markdown and as self-contained HTML (Jinja2 templates).

Public tests show their failure messages (call, inputs, expected vs got, tolerance, hint);
hidden tests show what the student view lets them (:mod:`grader.reports.student_view`: by
default their names and outcomes, never the messages that hold their inputs). Every piece of
text that came from a run is escaped: a submission's output cannot inject Markdown or HTML.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from grader.atomic import atomic_write_text
from grader.reports.text import fence, md_escape
from grader.result import RunResult
from grader.scoring import fmt_points

if TYPE_CHECKING:
    from grader.reports.run import ReportOptions


@cache
def template_environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("grader.reports", "templates"),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["points"] = fmt_points
    env.filters["md"] = md_escape
    env.filters["fence"] = fence
    return env


def render_markdown(result: RunResult) -> str:
    """feedback.md: plain Markdown for a terminal, a CI log or GitHub."""
    return template_environment(False).get_template("feedback.md.j2").render(view=result)


def render_html(result: RunResult) -> str:
    """feedback.html: one file, inline CSS, every run-provided string escaped."""
    return template_environment(True).get_template("feedback.html.j2").render(view=result)


def write(result: RunResult, out_dir: Path, options: ReportOptions | None = None) -> None:
    atomic_write_text(out_dir / "feedback.md", render_markdown(result))
    atomic_write_text(out_dir / "feedback.html", render_html(result))
