"""A graded submission's status names each exercise that could not be tested at all."""

from __future__ import annotations

from grader.runner import exercise_problems


def rec(exercise: str, outcome: str, status: str, points: float = 1.0) -> dict:
    return {"exercise": exercise, "outcome": outcome, "status": status, "points": points}


def test_only_wholly_broken_exercises_are_named() -> None:
    records = [
        rec("a", "failed", "timeout"), rec("a", "failed", "timeout"),
        rec("a", "skipped", "skipped"),                       # not applicable: ignored
        rec("b", "failed", "import error"), rec("b", "passed", "passed"),  # partly works
        rec("c", "failed", "failed"), rec("c", "failed", "failed"),        # wrong, not broken
        rec("d", "failed", "not implemented"),                # a stub is not a breakage
        rec("e", "failed", "module missing"),
        rec("f", "failed", "timeout"), rec("f", "failed", "crashed"),      # mixed causes
        rec("g", "failed", "exited", points=0.0),              # ungraded tests do not count
    ]
    assert exercise_problems(records) == {"a": "timeout", "e": "module missing"}
