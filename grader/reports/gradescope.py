"""Gradescope's ``results.json`` (autograder specification, "Output format").

Top level: ``score`` (the sum of the tests), ``execution_time``, ``output`` (Markdown summary),
``output_format``, ``visibility``, ``stdout_visibility`` (hidden: the grader's log is for
instructors), ``extra_data`` and ``tests``. Each test: ``name``, ``number`` ("exercise.case"),
``score``, ``max_score``, ``status`` ("passed"/"failed"), ``output``, ``output_format``,
``tags``, ``visibility`` ("visible", or "after_published" for hidden tests). Cases skipped here
(an absent GPU) have no points and no place in the list; the summary names them.
"""

from __future__ import annotations

from typing import Any

from grader.reports.model import RunView, md_escape
from grader.scoring import fmt_points

VISIBLE = "visible"
HIDDEN_UNTIL_PUBLISHED = "after_published"
#: What Gradescope accepts, per the specification; tests/test_reports.py checks against these.
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
OUTPUT_FORMATS = ("text", "html", "simple_format", "md", "ansi")
STATUSES = ("passed", "failed")


def to_gradescope(view: RunView) -> dict[str, Any]:
    """The ``results.json`` document of one graded run."""
    tests = [_test(t) for t in view.tests if t.outcome != "skipped"]
    result: dict[str, Any] = {
        "score": view.score,
        "execution_time": round(view.execution_time, 3),
        "output": summary(view),
        "output_format": "md",
        "visibility": VISIBLE,
        "stdout_visibility": "hidden",
        "extra_data": {
            "submission_status": str(view.submission.get("status", "ok")),
            "submission_hash": str(view.submission.get("hash", "")),
            "max_score": view.max_score,
        },
        "tests": tests,
    }
    return result


def _test(t: Any) -> dict[str, Any]:
    if t.outcome == "passed":
        output = "passed"
    else:
        head = "" if t.status == "failed" else f"status: {t.status}\n"
        output = head + t.message
    return {
        "name": t.name,
        "number": t.number,
        "score": t.score,
        "max_score": t.max_score,
        "status": "passed" if t.outcome == "passed" and t.score == t.max_score else "failed",
        "output": output,
        "output_format": "text",
        "tags": [t.exercise, *t.tags] + (["hidden"] if t.hidden else []),
        "visibility": HIDDEN_UNTIL_PUBLISHED if t.hidden else VISIBLE,
    }


def summary(view: RunView) -> str:
    """The Markdown shown above the tests: totals per exercise, what could not be run here."""
    fp = fmt_points
    lines: list[str] = []
    status = str(view.submission.get("status", "ok"))
    if not view.gradable:
        lines += ["**This submission could not be graded: score 0.**", ""]
    if status != "ok":
        message = str(view.submission.get("message") or status)
        lines += [f"Submission status: {md_escape(status)}: {md_escape(_one_line(message))}", ""]
    lines.append(f"**Score: {fp(view.score)} / {fp(view.max_score)}**")
    if view.exercises:
        lines += ["", "| exercise | points | passed | failed |", "| --- | ---: | ---: | ---: |"]
        for ex in view.exercises:
            graded = [t for t in ex.tests if t.outcome != "skipped"]
            passed = sum(t.outcome == "passed" for t in graded)
            lines.append(f"| {ex.name} | {fp(ex.earned)} / {fp(ex.possible)} | {passed} "
                         f"| {len(graded) - passed} |")
    if view.has_hidden:
        lines += ["", "Hidden tests count in this score; their details appear once grades are "
                      "published."]
    for ex in view.exercises:
        for reason, count in ex.skip_reasons().items():
            lines.append(f"- {ex.name}: {count} cases not applicable here (no points lost): "
                         f"{md_escape(_one_line(reason))}")
    return "\n".join(lines)


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 300 else flat[:297] + "..."
