"""GitHub Classroom's per-test points: the ``result`` output its reporter reads.

GitHub Classroom's ``classroom-resources/autograding-grading-reporter`` reads, for each
runner id named in its ``runners`` input, the environment variable ``<ID>_RESULTS``: base64
of ``{"version": 1, "status": "pass"|"fail"|"error", "max_score": N, "tests": [{"name",
"status", "score", "message", "test_code", "filename", "line_no", "duration"}]}``. It adds
up ``tests[].score`` and ``max_score`` over the runners and posts "Points X/Y". A runner step
writes that value as its ``result`` output, a ``result=<base64>`` line in ``$GITHUB_OUTPUT``:
the plugin's ``--gradspec-classroom PATH`` appends it (:func:`append_output`).

One entry per graded test function, with the points the run's
:class:`grader.result.RunResult` shows. The reporter adds them in floating point, from 0, in
order; :func:`reporter_scores` makes each number one that keeps that running sum on the
exact total's own nearest float, so the notice reads ``Points 42/60``, never ``41.99999999``.
"""

from __future__ import annotations

import base64
import json
import math
from fractions import Fraction
from pathlib import Path
from typing import Any

from grader.outcome import FailureKind
from grader.result import GradedFunction, RunResult
from grader.scoring import as_number, fmt_points

VERSION = 1
#: A test's status, as the reporter reads it.
PASS, FAIL, ERROR = "pass", "fail", "error"
#: Failures that are the suite's or the run's fault, not a wrong answer.
_ERRORS = (FailureKind.TEST_ERROR, FailureKind.SETUP_ERROR)
MAX_MESSAGE_CHARS = 4000


def reporter_scores(scores: list[Fraction]) -> list[float]:
    """``scores`` as floats that, added left to right from 0.0 as the reporter adds them, give
    the nearest float of their exact total (so it prints as :func:`fmt_points` writes it).

    The nearest float of each score, when their sum comes out right (about half the time
    once scores have decimals: 0.1 + 0.2 is 0.30000000000000004). Otherwise every running
    total is put on the grid of the total's last binary digit: each number is then the
    difference of two exact multiples of that unit, every addition is exact, and each number
    is within one unit (about 1e-14) of its score, so it still rounds to the same 4 decimals.
    """
    naive = [float(score) for score in scores]
    total = sum(scores, Fraction(0))
    running = 0.0
    for value in naive:
        running += value
    if running == float(total) or not total:
        return naive
    unit = Fraction(math.ulp(float(total)))
    out, previous, exact = [], Fraction(0), Fraction(0)
    for score in scores:
        exact += score
        on_grid = Fraction(float(total)) if exact == total else round(exact / unit) * unit
        out.append(float(on_grid - previous))  # a multiple of unit: a float exactly
        previous = on_grid
    return out


def _status(function: GradedFunction) -> str:
    if function.passed:
        return PASS
    kinds = {t.record.kind for t in function.applicable if not t.passed}
    return ERROR if kinds and kinds <= set(_ERRORS) else FAIL


def _message(function: GradedFunction) -> str:
    """Which cases failed, and the first failure's own message."""
    cases = function.applicable
    failed = [t for t in cases if not t.passed]
    if not failed:
        return ""
    lines = [f"{len(cases) - len(failed)} of {len(cases)} cases passed "
             f"({fmt_points(function.score)} / {fmt_points(function.max_score)} points)"]
    lines += [f"  {t.status}: {t.record.case or t.record.function}" for t in failed]
    first = failed[0]
    lines += ["", f"{first.record.case or first.record.function}:", first.message]
    text = "\n".join(lines)
    return text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS] + "\n[...]"


def to_classroom(result: RunResult) -> dict[str, Any]:
    """The reporter's JSON of one run: one test per graded function that applies here."""
    functions = [f for ex in result.exercises for f in ex.functions() if f.applicable]
    scores = reporter_scores([f.score if result.gradable else Fraction(0) for f in functions])
    tests = []
    for function, score in zip(functions, scores, strict=True):
        r = function.record
        tests.append({
            "name": function.name,
            "status": _status(function) if result.gradable else ERROR,
            "score": int(score) if score.is_integer() else score,
            "message": _message(function) if result.gradable else result.message,
            "test_code": f"pytest '{r.path}::{r.function}'",
            "filename": r.path,
            "line_no": r.line,
            "duration": round(function.duration, 3),
        })
    if not result.gradable:
        status = ERROR
    else:
        status = PASS if all(t["status"] == PASS for t in tests) else FAIL
    return {"version": VERSION, "status": status, "max_score": as_number(result.max_score),
            "tests": tests}


def output_line(result: RunResult) -> str:
    """``result=<base64 of the JSON>``: one line of ``$GITHUB_OUTPUT``."""
    document = json.dumps(to_classroom(result), separators=(",", ":"))
    return "result=" + base64.b64encode(document.encode("utf-8")).decode("ascii")


def append_output(result: RunResult, path: Path) -> None:
    """Append the ``result`` output line to ``path`` (GitHub's step output file)."""
    with open(path, "a", encoding="utf-8") as out:
        out.write(output_line(result) + "\n")
