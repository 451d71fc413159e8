"""A graded submission's status names each exercise that could not be tested at all."""

from __future__ import annotations

import itertools

from grader import scoring
from grader.outcome import FailureKind, TestOutcome
from grader.result import TestRecord, build

_COUNTER = itertools.count()


def rec(exercise: str, outcome: str, kind: FailureKind | None = None,
        points: float = 1.0) -> TestRecord:
    n = next(_COUNTER)  # each record its own test function
    return TestRecord(nodeid=f"t.py::test_{n}", function=f"test_{n}", path="t.py",
                      exercise=exercise, case="", title="", categories=(), hidden=False,
                      points=scoring.points(points), outcome=TestOutcome(outcome), kind=kind)


def test_only_wholly_broken_exercises_are_named() -> None:
    K = FailureKind
    records = [
        rec("a", "failed", K.TIMEOUT), rec("a", "failed", K.TIMEOUT),
        rec("a", "skipped"),                                       # not applicable: ignored
        rec("b", "failed", K.IMPORT_ERROR), rec("b", "passed"),    # partly works
        rec("c", "failed", K.CHECK), rec("c", "failed", K.CHECK),  # wrong, not broken
        rec("d", "failed", K.NOT_IMPLEMENTED),                     # a stub is not a breakage
        rec("e", "failed", K.MISSING_MODULE),
        rec("f", "failed", K.TIMEOUT), rec("f", "failed", K.CRASHED),  # mixed causes
        rec("g", "failed", K.EXITED, points=0.0),                  # ungraded tests do not count
    ]
    result = build(records)
    assert {name: kind.label for name, kind in result.problems.items()} == {
        "a": "timeout", "e": "module missing"}
    assert result.status_line == "timeout (a); module missing (e)"
