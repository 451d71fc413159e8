"""Gradescope's ``results.json`` (autograder specification, "Output format").

Top level: ``score`` (the run's score), ``execution_time``, ``output`` (Markdown summary),
``output_format``, ``visibility``, ``stdout_visibility`` (hidden: the grader's log is for
instructors), ``extra_data`` and ``tests``. Each test: ``name``, ``number`` ("exercise.case"),
``score``, ``max_score``, ``status`` ("passed"/"failed"), ``output``, ``output_format``,
``tags``, ``visibility`` ("visible", or "after_published" for hidden tests). Cases skipped here
(an absent GPU) have no points and no place in the list; the summary names them. Every
number is the :class:`grader.result.RunResult`'s, as every other report shows it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grader.atomic import atomic_write_text
from grader.reports.text import md_escape, one_line
from grader.result import GradedTest, RunResult
from grader.scoring import as_number, fmt_points

VISIBLE = "visible"
HIDDEN_UNTIL_PUBLISHED = "after_published"
#: What Gradescope accepts, per the specification; tests/test_reports.py checks against these.
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
OUTPUT_FORMATS = ("text", "html", "simple_format", "md", "ansi")
STATUSES = ("passed", "failed")


def to_gradescope(result: RunResult) -> dict[str, Any]:
    """The ``results.json`` document of one graded run."""
    return {
        "score": as_number(result.score),
        "execution_time": round(result.execution_time, 3),
        "output": summary(result),
        "output_format": "md",
        "visibility": VISIBLE,
        "stdout_visibility": "hidden",
        "extra_data": {
            "submission_status": result.status_line,
            "submission_hash": result.submission.hash,
            "max_score": as_number(result.max_score),
        },
        "tests": [_test(t) for t in result.tests if t.applicable],
    }


def write(result: RunResult, out_dir: Path) -> None:
    atomic_write_text(out_dir / "results.json", json.dumps(to_gradescope(result), indent=1) + "\n")


def _test(t: GradedTest) -> dict[str, Any]:
    if t.passed:
        output = "passed"
    else:
        head = "" if t.status == "failed" else f"status: {t.status}\n"
        output = head + t.message
    r = t.record
    return {
        "name": t.name,
        "number": t.number,
        "score": as_number(t.score),
        "max_score": as_number(t.max_score),
        "status": "passed" if t.passed and t.score == t.max_score else "failed",
        "output": output,
        "output_format": "text",
        "tags": [r.exercise, *r.categories] + (["hidden"] if r.hidden else []),
        "visibility": HIDDEN_UNTIL_PUBLISHED if r.hidden else VISIBLE,
    }


def summary(result: RunResult) -> str:
    """The Markdown shown above the tests: totals per exercise, what could not be run here."""
    fp = fmt_points
    lines: list[str] = []
    if not result.gradable:
        lines += ["**This submission could not be graded: score 0.**", ""]
    if result.status_line != "ok":
        message = result.message or result.status_line
        lines += [f"Submission status: {md_escape(result.status_line)}: "
                  f"{md_escape(one_line(message))}", ""]
    lines.append(f"**Score: {fp(result.score)} / {fp(result.max_score)}**")
    if result.submission.notes:
        lines += ["", *(f"- {md_escape(one_line(note))}" for note in result.submission.notes)]
    if result.exercises:
        lines += ["", "| exercise | points | passed | failed |", "| --- | ---: | ---: | ---: |"]
        for ex in result.exercises:
            graded = [t for t in ex.tests if t.applicable]
            passed = sum(t.passed for t in graded)
            lines.append(f"| {ex.name} | {fp(ex.earned)} / {fp(ex.possible)} | {passed} "
                         f"| {len(graded) - passed} |")
    if result.has_hidden:
        lines += ["", "Hidden tests count in this score; their details appear once grades are "
                      "published."]
    for ex in result.exercises:
        for reason, count in ex.skip_reasons().items():
            lines.append(f"- {ex.name}: {count} cases not applicable here (no points lost): "
                         f"{md_escape(one_line(reason))}")
    return "\n".join(lines)
