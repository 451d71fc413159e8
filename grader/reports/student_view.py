"""What a student may see of a run: the one place the reveal policy is applied.

:func:`student_view` turns a run's :class:`grader.result.RunResult` into the copy every
student-facing report renders (``results.json``, the feedback pages, ``junit.xml``, the
batch's per-student folders); only ``grade.json`` and ``pytest.log``, the instructor's, see the
whole result. Public tests are shown as they are. A hidden test keeps its points and how it
ended (passed, failed, timeout...) under every policy (:class:`grader.outcome.Reveal`):

* ``points``: nothing more: it is "hidden test k" of its exercise, no case names, no message;
* ``description``: also what it checks (its title and its cases), not its failure message;
* ``full``: also its failure message, which holds the inputs drawn from the grading seed.
"""

from __future__ import annotations

from dataclasses import replace

from grader.outcome import Reveal, TestOutcome
from grader.result import GradedTest, RunResult, TestRecord


def _redacted(record: TestRecord, reveal: Reveal, number: int, case: int) -> TestRecord:
    failed = record.outcome is TestOutcome.FAILED
    shown = replace(record, message="" if failed else record.message, where="")
    if reveal is Reveal.POINTS:
        function, index = f"hidden_test_{number}", str(case) if record.case else ""
        shown = replace(shown, function=function, title=f"hidden test {number}", case=index,
                        categories=(), nodeid=f"{record.path}::{function}"
                        + (f"[{index}]" if index else ""))
    return shown


def student_view(result: RunResult, reveal: Reveal) -> RunResult:
    """``result`` as a student may see it under ``reveal``: the same points, statuses and
    totals, hidden tests' names and messages withheld as the policy says."""
    if reveal is Reveal.FULL:
        return result
    exercises = []
    for ex in result.exercises:
        numbers: dict[str, int] = {}
        cases: dict[str, int] = {}
        tests: list[GradedTest] = []
        for t in ex.tests:
            if t.hidden:
                group = t.record.group
                number = numbers.setdefault(group, len(numbers) + 1)
                cases[group] = cases.get(group, 0) + 1
                t = replace(t, record=_redacted(t.record, reveal, number, cases[group]))
            tests.append(t)
        exercises.append(replace(ex, tests=tuple(tests)))
    return replace(result, exercises=tuple(exercises))
