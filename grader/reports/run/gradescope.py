"""Gradescope's ``results.json`` (autograder specification, "Output format").

Top level: ``score`` (the run's score, after any late penalty), ``execution_time``,
``output`` (Markdown: what the student sees before grades are published, so public points
only, the hidden tests' total said in one line), ``output_format`` and
``test_output_format`` (``md``), ``visibility``, ``stdout_visibility`` (hidden: the grader's
log is for instructors), ``extra_data``, ``tests`` and, when the assignment turns the
leaderboard on, ``leaderboard`` (name, value, order).

One test row per test function (``--per-case-rows``: per parametrized case): ``name``,
``number`` ("exercise.function"), ``score`` and ``max_score`` (the sum of its cases' shares,
as every other report shows them), ``status``, ``output`` (Markdown: its cases with their
outcome, then the failures' own messages, each in a code block), ``tags``, ``visibility``
("after_published" for hidden tests) and ``extra_data`` (exercise, categories, and each
case with its status and failure kind). Score-less rows say what could not be run here (no
GPU) and which sandbox protections were in force. Rendered from the student view of the run
(:mod:`grader.reports.student_view`), so a hidden row shows what the reveal policy allows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.atomic import atomic_write_text
from grader.reports.text import fence, md_escape, one_line
from grader.result import GradedFunction, GradedTest, RunResult
from grader.scoring import add, as_number, fmt_points

if TYPE_CHECKING:
    from grader.reports.run import ReportOptions

VISIBLE = "visible"
HIDDEN_UNTIL_PUBLISHED = "after_published"
#: What Gradescope accepts, per the specification; tests/test_reports.py checks against these.
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
OUTPUT_FORMATS = ("text", "html", "simple_format", "md", "ansi")
STATUSES = ("passed", "failed")
LEADERBOARD_ORDERS = ("asc", "desc")
#: Failure messages written out in full per row; the others are listed by case.
MESSAGES_PER_ROW = 3


def to_gradescope(result: RunResult, options: ReportOptions | None = None) -> dict[str, Any]:
    """The ``results.json`` document of one graded run (``result``: its student view)."""
    per_case = bool(options and options.per_case_rows)
    rows = [_case_row(t) for t in result.tests if t.applicable] if per_case else \
        [_function_row(f) for ex in result.exercises for f in ex.functions() if f.applicable]
    doc: dict[str, Any] = {
        "score": as_number(result.score),
        "execution_time": round(result.execution_time, 3),
        "output": summary(result),
        "output_format": "md",
        "test_output_format": "md",
        "test_name_format": "text",
        "visibility": VISIBLE,
        "stdout_visibility": "hidden",
        "extra_data": {
            "submission_status": result.status_line,
            "submission_hash": result.submission.hash,
            "max_score": as_number(result.max_score),
            "raw_score": as_number(result.raw_score),
            "late": result.late.to_json() if result.late else None,
        },
        "tests": rows + _informational(result),
    }
    if result.leaderboard:
        doc["leaderboard"] = [entry.to_json() for entry in result.leaderboard]
    return doc


def write(result: RunResult, out_dir: Path, options: ReportOptions | None = None) -> None:
    atomic_write_text(out_dir / "results.json",
                      json.dumps(to_gradescope(result, options), indent=1) + "\n")


def _tags(t: GradedTest) -> list[str]:
    r = t.record
    return [r.exercise, *r.categories] + (["hidden"] if r.hidden else [])


def _case_data(t: GradedTest) -> dict[str, Any]:
    r = t.record
    return {"case": r.case, "status": t.status, "kind": r.kind.value if r.kind else None,
            "score": as_number(t.score), "max_score": as_number(t.max_score)}


def _status(passed: bool, score: Any, max_score: Any) -> str:
    return "passed" if passed and score == max_score else "failed"


def _failure(t: GradedTest, parametrized: bool) -> list[str]:
    """A failed case's own message in a code block ("" when the student view withholds it)."""
    label = md_escape(t.record.case or t.record.function)
    head = ["", f"**{label}**: {md_escape(t.status)}"] if parametrized else []
    return head + (["", fence(t.message)] if t.message else [])


def _function_row(f: GradedFunction) -> dict[str, Any]:
    cases = f.applicable
    failed = [t for t in cases if not t.passed]
    parametrized = any(t.record.case for t in f.cases)
    if parametrized:
        lines = [f"{len(cases) - len(failed)} of {len(cases)} cases passed", ""]
        lines += [f"- {'✅' if t.passed else '❌'} {md_escape(t.record.case)}: "
                  f"{md_escape(t.status)}" for t in cases]
    else:
        lines = ["passed" if not failed else f"**{md_escape(failed[0].status)}**"]
    skipped = len(f.cases) - len(cases)
    if skipped:
        reasons = sorted({one_line(t.record.message) for t in f.cases if not t.applicable})
        lines.append(f"- not applicable here: {skipped} case{'s' if skipped != 1 else ''} "
                     f"({md_escape('; '.join(reasons))})")
    for t in failed[:MESSAGES_PER_ROW]:
        lines += _failure(t, parametrized)
    if len(failed) > MESSAGES_PER_ROW:
        lines += ["", f"{len(failed) - MESSAGES_PER_ROW} more failed cases (listed above); "
                      "run the test with pytest to see each message."]
    score, max_score = as_number(f.score), as_number(f.max_score)
    first = f.cases[0]
    return {
        "name": f.name,
        "number": f.number,
        "score": score,
        "max_score": max_score,
        "status": _status(f.passed, score, max_score),
        "output": "\n".join(lines),
        "output_format": "md",
        "tags": _tags(first),
        "visibility": HIDDEN_UNTIL_PUBLISHED if f.hidden else VISIBLE,
        "extra_data": {"exercise": first.record.exercise, "hidden": f.hidden,
                       "categories": list(first.record.categories),
                       "cases": [_case_data(t) for t in f.cases]},
    }


def _case_row(t: GradedTest) -> dict[str, Any]:
    if t.passed:
        output = "passed"
    else:
        output = "\n".join([f"**{md_escape(t.status)}**", *_failure(t, False)])
    score, max_score = as_number(t.score), as_number(t.max_score)
    return {
        "name": t.name,
        "number": t.number,
        "score": score,
        "max_score": max_score,
        "status": _status(t.passed, score, max_score),
        "output": output,
        "output_format": "md",
        "tags": _tags(t),
        "visibility": HIDDEN_UNTIL_PUBLISHED if t.hidden else VISIBLE,
        "extra_data": {"exercise": t.record.exercise, "hidden": t.hidden,
                       "categories": list(t.record.categories), **_case_data(t)},
    }


def _skip_reasons(result: RunResult) -> dict[str, dict[str, int]]:
    """Reason -> exercise -> cases not applicable here."""
    reasons: dict[str, dict[str, int]] = {}
    for ex in result.exercises:
        for reason, count in ex.skip_reasons().items():
            reasons.setdefault(reason, {})[ex.name] = count
    return reasons


def _informational(result: RunResult) -> list[dict[str, Any]]:
    """Score-less rows: what could not run here, and the sandbox's protections."""
    rows = []
    for reason, per_exercise in sorted(_skip_reasons(result).items()):
        count = sum(per_exercise.values())
        rows.append({
            "name": f"{one_line(reason)}: {count} case{'s' if count != 1 else ''} "
                    "not applicable here",
            "output": "No points lost: these cases count neither for nor against the score.\n\n"
                      + "\n".join(f"- {md_escape(name)}: {n}" for name, n in per_exercise.items()),
            "extra_data": {"informational": True, "cases": per_exercise},
        })
    if result.protections and result.tests:  # only when the sandbox ran anything
        rows.append({
            "name": "Sandbox protections in force",
            "output": "Your code ran in a sandbox with these protections:\n\n"
                      + "\n".join(f"- {md_escape(p)}" for p in result.protections),
            "extra_data": {"informational": True, "protections": list(result.protections)},
        })
    number = len(result.exercises) + 1
    return [{**row, "number": f"{number}.{k}", "output_format": "md", "tags": ["information"],
             "visibility": VISIBLE} for k, row in enumerate(rows, start=1)]


def summary(result: RunResult) -> str:
    """The Markdown shown above the tests. Gradescope shows it at once, before grades are
    published, so it gives public points only and the hidden tests' total in one line."""
    fp = fmt_points
    lines: list[str] = []
    if not result.gradable:
        lines += ["**This submission could not be graded: score 0.**", ""]
    if result.status_line != "ok":
        message = result.message or result.status_line
        lines += [f"Submission status: {md_escape(result.status_line)}: "
                  f"{md_escape(one_line(message))}", ""]
    hidden = add(ex.hidden_possible for ex in result.exercises)
    if hidden:
        earned = add(ex.public_earned for ex in result.exercises)
        possible = add(ex.public_possible for ex in result.exercises)
        lines.append(f"**Public tests: {fp(earned)} / {fp(possible)} points**")
    else:
        lines.append(f"**Score: {fp(result.score)} / {fp(result.max_score)}**")
    if result.submission.notes:
        lines += ["", *(f"- {md_escape(one_line(note))}" for note in result.submission.notes)]
    if result.exercises:
        head = "public points" if hidden else "points"
        lines += ["", f"| exercise | {head} | passed | failed |", "| --- | ---: | ---: | ---: |"]
        for ex in result.exercises:
            graded = [t for t in ex.tests if t.applicable and not t.hidden]
            passed = sum(t.passed for t in graded)
            earned, possible = (ex.public_earned, ex.public_possible) if hidden else \
                (ex.earned, ex.possible)
            lines.append(f"| {md_escape(ex.name)} | {fp(earned)} / {fp(possible)} | {passed} "
                         f"| {len(graded) - passed} |")
    if hidden:
        unit = "point" if hidden == 1 else "points"
        lines += ["", f"Hidden tests: {fp(hidden)} {unit}, shown when grades are published."]
    if result.late:
        lines += ["", f"Late: {md_escape(result.late.note)}."]
        if not hidden and result.late.kept != 1:
            lines.append(f"Score before the late penalty: {fp(result.raw_score)}.")
    reasons = sorted(_skip_reasons(result).items())
    if reasons:
        lines.append("")
    for reason, per_exercise in reasons:
        for name, count in per_exercise.items():
            lines.append(f"- {md_escape(name)}: {count} cases not applicable here (no points "
                         f"lost): {md_escape(one_line(reason))}")
    return "\n".join(lines)
