"""The grade of one run, computed once: every report renders this object and nothing else.

The plugin records one :class:`TestRecord` per graded case as pytest reports it (outcome,
failure kind, the failure's own message, where it failed); :func:`build` turns the records
of a run, what intake said of the submission and how the run ended into a
:class:`RunResult`: every case's share of its test's points, every exercise's totals
(public and hidden apart), the submission's status, and the numbers every report shows
(:func:`grader.scoring.apportion`: a column of shares adds up to the total beneath it in
every report). The terminal summary, ``results.json``, ``junit.xml``, the feedback pages
and the batch's ledger (from which ``grades.csv``, the Canvas file and the class report are
written) all read a ``RunResult``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from grader import records_file, scoring
from grader.late import Late
from grader.leaderboard import LeaderboardEntry
from grader.outcome import FailureKind, SubmissionStatus, TestOutcome


@dataclass(frozen=True)
class TestRecord:
    """One graded case as pytest reported it (plain data: it crosses xdist and files)."""

    __test__ = False

    nodeid: str
    function: str  # the test function's name (its cases share its points)
    path: str  # the test module, relative to the rootdir
    exercise: str
    case: str  # the parametrize id, "" when not parametrized
    title: str  # the docstring's first paragraph, or the function's name
    categories: tuple[str, ...]
    hidden: bool
    points: Fraction  # the test function's points
    outcome: TestOutcome
    kind: FailureKind | None = None  # why it failed (None unless failed)
    message: str = ""  # the failure's own message, or why it was skipped
    where: str = ""  # "path:line" of the failed check
    duration: float = 0.0
    line: int = 0  # the test function's line in its module (1-based; 0 unknown)

    @property
    def group(self) -> str:
        """The test function's id (``path::function``): what shares the points."""
        return f"{self.path}::{self.function}"

    @property
    def name(self) -> str:
        """``cosine: The value equals ... [cpu-float64]``."""
        return f"{self.exercise}: {self.title}" + (f" [{self.case}]" if self.case else "")

    @property
    def status(self) -> str:
        """``passed``, ``skipped``, or the failure kind's label (``timeout``, ``failed``...)."""
        if self.outcome is not TestOutcome.FAILED:
            return self.outcome.value
        return (self.kind or FailureKind.CHECK).label

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(points=str(self.points), outcome=self.outcome.value,
                    kind=self.kind.value if self.kind else None,
                    categories=list(self.categories))
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TestRecord:
        kind = data.get("kind")
        return cls(
            nodeid=str(data["nodeid"]), function=str(data["function"]),
            path=str(data["path"]), exercise=str(data["exercise"]),
            case=str(data.get("case", "")), title=str(data.get("title", "")),
            categories=tuple(data.get("categories") or ()), hidden=bool(data.get("hidden")),
            points=scoring.points(data["points"]), outcome=TestOutcome(data["outcome"]),
            kind=FailureKind.parse(kind) if kind else None,
            message=str(data.get("message", "")), where=str(data.get("where", "")),
            duration=float(data.get("duration", 0.0)), line=int(data.get("line") or 0))


@dataclass(frozen=True)
class GradedTest:
    """A case with its points: ``score`` and ``max_score`` as every report shows them."""

    __test__ = False

    record: TestRecord
    number: str  # "exercise.case", e.g. "2.14": the same on a machine with a GPU or without
    score: Fraction
    max_score: Fraction

    @property
    def applicable(self) -> bool:
        return self.record.outcome is not TestOutcome.SKIPPED

    @property
    def passed(self) -> bool:
        return self.record.outcome is TestOutcome.PASSED

    @property
    def outcome(self) -> TestOutcome:
        return self.record.outcome

    @property
    def status(self) -> str:
        return self.record.status

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def hidden(self) -> bool:
        return self.record.hidden

    @property
    def message(self) -> str:
        """What a student reads: the failure's message and where it failed, or the skip
        reason; "" when passed."""
        r = self.record
        if r.outcome is TestOutcome.PASSED:
            return ""
        return r.message.strip() + (f"\nat {r.where}" if r.where else "")


@dataclass(frozen=True)
class GradedFunction:
    """A test function and its cases, which share its points (one row of a platform's list)."""

    number: str  # "exercise.function", e.g. "2.3"
    cases: tuple[GradedTest, ...]

    @property
    def record(self) -> TestRecord:
        return self.cases[0].record

    @property
    def name(self) -> str:
        """``cosine: The value equals ...``."""
        return f"{self.record.exercise}: {self.record.title}"

    @property
    def hidden(self) -> bool:
        return self.record.hidden

    @property
    def applicable(self) -> list[GradedTest]:
        return [t for t in self.cases if t.applicable]

    @property
    def passed(self) -> bool:
        """Every case that applies here passed (and at least one applies)."""
        cases = self.applicable
        return bool(cases) and all(t.passed for t in cases)

    @property
    def score(self) -> Fraction:
        return scoring.add(t.score for t in self.cases)

    @property
    def max_score(self) -> Fraction:
        return scoring.add(t.max_score for t in self.cases)

    @property
    def duration(self) -> float:
        return sum(t.record.duration for t in self.cases)

    def failed_statuses(self) -> dict[str, int]:
        """How its failed cases ended (``failed``, ``timeout``...) -> how many."""
        counts: dict[str, int] = defaultdict(int)
        for t in self.applicable:
            if not t.passed:
                counts[t.status] += 1
        return dict(counts)


@dataclass(frozen=True)
class ExerciseResult:
    """One exercise's cases and totals (hidden cases count in ``earned``/``possible`` too)."""

    name: str
    number: int
    tests: tuple[GradedTest, ...]
    earned: Fraction
    possible: Fraction
    public_earned: Fraction
    public_possible: Fraction
    hidden_earned: Fraction
    hidden_possible: Fraction

    def functions(self) -> list[GradedFunction]:
        """The exercise's test functions in the order they ran, each with its cases."""
        groups: dict[str, list[GradedTest]] = {}
        for t in self.tests:
            groups.setdefault(t.record.group, []).append(t)
        return [GradedFunction(f"{self.number}.{k}", tuple(cases))
                for k, cases in enumerate(groups.values(), start=1)]

    def public_failed(self) -> list[GradedTest]:
        return [t for t in self.tests if not t.hidden and t.outcome is TestOutcome.FAILED]

    def hidden_tests(self) -> list[GradedTest]:
        """The hidden cases that apply here."""
        return [t for t in self.tests if t.hidden and t.applicable]

    def count(self, outcome: TestOutcome, hidden: bool | None = None) -> int:
        return sum(t.record.outcome == outcome for t in self.tests
                   if hidden is None or t.record.hidden == hidden)

    @property
    def problem(self) -> FailureKind | None:
        """Why the exercise could not be tested at all: every applicable case failed with the
        same kind, one that means the code did not run to an answer (import error, timeout,
        module missing...); None when it was tested (well or badly)."""
        kinds = {t.record.kind if t.record.outcome is TestOutcome.FAILED else None
                 for t in self.tests if t.applicable}
        if len(kinds) == 1:
            (kind,) = kinds
            if kind is not None and kind.untested:
                return kind
        return None

    def skip_reasons(self) -> dict[str, int]:
        """Reason -> number of cases not applicable here."""
        reasons: dict[str, int] = defaultdict(int)
        for t in self.tests:
            if not t.applicable:
                reasons[t.record.message] += 1
        return dict(reasons)

    def failure_kinds(self, hidden: bool = False) -> dict[str, int]:
        """Failure labels other than a plain failed check (timeout, crashed...) -> count."""
        counts: dict[str, int] = defaultdict(int)
        for t in self.tests:
            r = t.record
            if r.hidden == hidden and r.outcome is TestOutcome.FAILED and \
                    r.kind not in (None, FailureKind.CHECK):
                counts[r.status] += 1
        return dict(counts)


@dataclass(frozen=True)
class Submission:
    """What intake said of the submission: where it came from, its hash, whether it can run."""

    path: str = ""
    hash: str = ""
    status: SubmissionStatus = SubmissionStatus.OK
    message: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunResult:
    """One graded run. ``status`` ok means the suite ran on the submission, ``timeout`` that
    it was stopped part way (the tests that finished count); any other status means nothing
    was graded, and the score is 0 (the tests that ran are kept, for the instructor).
    ``score`` is after the late penalty (``late``), ``raw_score`` before it."""

    exercises: tuple[ExerciseResult, ...]
    submission: Submission
    status: SubmissionStatus
    message: str
    score: Fraction
    max_score: Fraction
    protections: tuple[str, ...] = ()
    execution_time: float = 0.0
    impl: str = ""
    mode: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    raw_score: Fraction = Fraction(0)
    late: Late | None = None
    leaderboard: tuple[LeaderboardEntry, ...] = ()
    #: CPU seconds of the run's sandbox children (the submission's code, the kernel's count;
    #: None when nothing ran in a sandbox): with ``execution_time``, what grading it cost.
    sandbox_cpu_seconds: float | None = None

    @property
    def gradable(self) -> bool:
        return self.status.gradable

    @property
    def tests(self) -> list[GradedTest]:
        return [t for ex in self.exercises for t in ex.tests]

    @property
    def has_hidden(self) -> bool:
        return any(t.record.hidden for t in self.tests)

    def exercise(self, name: str) -> ExerciseResult | None:
        return next((ex for ex in self.exercises if ex.name == name), None)

    @property
    def problems(self) -> dict[str, FailureKind]:
        """Exercises that could not be tested at all, with the kind that stopped them (none
        when the run itself did not end normally: its status says why)."""
        if self.status is not SubmissionStatus.OK:
            return {}
        return {ex.name: ex.problem for ex in self.exercises if ex.problem is not None}

    @property
    def status_line(self) -> str:
        """The status as grades.csv writes it: ``ok``, ``timeout (cosine)``, ``invalid zip``."""
        problems = self.problems
        if problems:
            return "; ".join(f"{kind.label} ({name})" for name, kind in problems.items())
        return self.status.value

    @property
    def exit_status(self) -> int:
        """0 full marks, 1 points lost, 2 not graded (for CI and GitHub Classroom)."""
        if not self.gradable:
            return 2
        return 0 if self.max_score > 0 and self.score >= self.max_score else 1

    def summary(self) -> dict[str, Any]:
        """The plain-data digest a batch keeps in its ledger: every number as the reports show
        it, and per test function its passed and applicable cases (for the class report)."""
        functions = [{"test": f.name, "exercise": f.record.exercise, "hidden": f.hidden,
                      "passed": sum(t.passed for t in f.applicable), "cases": len(f.applicable)}
                     for ex in self.exercises for f in ex.functions() if f.applicable]
        return {
            "status": self.status_line,
            "graded": self.gradable,
            "score": str(self.score),
            "raw_score": str(self.raw_score),
            "late": self.late.to_json() if self.late else None,
            "max_score": str(self.max_score),
            "per_exercise": {ex.name: [str(ex.earned), str(ex.possible)]
                             for ex in self.exercises},
            "tests": functions,
            "submission_hash": self.submission.hash,
            "execution_time": round(self.execution_time, 3),
            "message": self.message[:2000],
        }

    def to_json(self) -> dict[str, Any]:
        """The whole result as plain data (``result.json``: for instructors and tools)."""
        return {
            "status": self.status.value,
            "status_line": self.status_line,
            "exit_status": self.exit_status,
            "message": self.message,
            "score": str(self.score),
            "raw_score": str(self.raw_score),
            "late": self.late.to_json() if self.late else None,
            "max_score": str(self.max_score),
            "submission": {**asdict(self.submission), "status": self.submission.status.value,
                           "notes": list(self.submission.notes)},
            "impl": self.impl,
            "mode": self.mode,
            "execution_time": round(self.execution_time, 3),
            "sandbox_cpu_seconds": self.sandbox_cpu_seconds,
            "protections": list(self.protections),
            "exercises": [{"name": ex.name, "earned": str(ex.earned),
                           "possible": str(ex.possible)} for ex in self.exercises],
            "tests": [dict(t.record.to_json(), number=t.number, score=str(t.score),
                           max_score=str(t.max_score)) for t in self.tests],
            "leaderboard": [entry.to_json() for entry in self.leaderboard],
            **self.extra,
        }


def read_records(path: Path) -> tuple[list[TestRecord], dict[str, Any]] | None:
    """The records file the plugin writes (``--gradspec-results``): (records, run facts), or
    None when it is missing or unreadable."""
    found = records_file.read(path)
    if found is None:
        return None
    try:
        return [TestRecord.from_json(r) for r in found[0]], found[1]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _ordered(records: list[TestRecord]) -> list[TestRecord]:
    """Exercises alphabetically, public before hidden, otherwise in the order pytest ran them."""
    return sorted(records, key=lambda r: (r.exercise, r.hidden))


def stopped_message(seconds: float) -> str:
    """What a run stopped part way says, in its status and in every test it did not run."""
    return f"grading stopped at {seconds:.0f} s: remaining tests not run"


def _not_run(record: TestRecord, stopped: bool, message: str, exit_code: int | None
             ) -> TestRecord:
    """A case the run never reached, as the failure it counts as: ``timeout`` with the stop's
    message when the run was stopped, else an error of the run (pytest ended early)."""
    if stopped:
        return replace(record, outcome=TestOutcome.FAILED, kind=FailureKind.TIMEOUT,
                       message=message)
    return replace(record, outcome=TestOutcome.FAILED, kind=FailureKind.TEST_ERROR,
                   message=f"not run: pytest ended before this test (exit status {exit_code})")


def build(records: list[TestRecord], submission: Submission | None = None, *,
          exit_code: int | None = 0, stopped: str = "", protections: list[str] | tuple = (),
          execution_time: float = 0.0, impl: str = "", mode: str = "",
          extra: dict[str, Any] | None = None, late: Late | None = None,
          leaderboard: tuple[LeaderboardEntry, ...] | list[LeaderboardEntry] = (),
          sandbox_cpu_seconds: float | None = None) -> RunResult:
    """The grade of one run, from its records and how it ended.

    ``exit_code`` is pytest's (0/1: every test ran; None: the run was stopped part way, by
    the total time limit or a kill, ``stopped`` saying so, e.g. :func:`stopped_message`).
    The status is the intake's when that is not ok; else ``timeout`` for a stopped run,
    ``internal error`` when pytest did not end normally or graded nothing, ``import error``
    when no module of the submission could be imported, else ``ok``.
    ``late`` (the late policy's verdict, :mod:`grader.late`) scales the total, here and
    nowhere else; every case, exercise and ``raw_score`` keep the points as earned.

    A stopped run keeps the points of every test that finished: each verdict was reached in
    the grader's process, and a test not run earns nothing but still counts in the maximum
    (it fails with status timeout), so stopping a run can only lose points.
    """
    submission = submission or Submission()
    graded = _ordered([r for r in records if r.points > 0])
    status, message = submission.status, submission.message
    if status.gradable:
        if exit_code is None:
            status = SubmissionStatus.TIMEOUT
            message = stopped or "the grading run exceeded its total time limit"
        elif exit_code not in (0, 1):
            status = SubmissionStatus.INTERNAL_ERROR
            message = (f"the suite did not run to the end (pytest exit status {exit_code}); "
                       "see pytest.log")
        elif not graded:
            status = SubmissionStatus.INTERNAL_ERROR
            message = "the suite ran but graded nothing (no test carries points)"
        elif all(r.outcome is TestOutcome.FAILED and r.kind is not None and r.kind.at_import
                 for r in graded):
            status = SubmissionStatus.IMPORT_ERROR
            message = "no module of the submission could be imported"
    gradable = status.gradable
    graded = [_not_run(r, exit_code is None, message, exit_code)
              if r.outcome is TestOutcome.NOT_RUN else r for r in graded]

    exact: dict[str, list[tuple[TestRecord, Fraction, Fraction]]] = defaultdict(list)
    applicable: dict[str, int] = defaultdict(int)
    for r in graded:
        applicable[r.group] += r.outcome is not TestOutcome.SKIPPED
    for r in graded:
        share = scoring.shares(r.points, applicable[r.group])
        maximum = share if r.outcome is not TestOutcome.SKIPPED else Fraction(0)
        earned = share if r.outcome is TestOutcome.PASSED and gradable else Fraction(0)
        exact[r.exercise].append((r, earned, maximum))

    # What every report shows: the total rounded, then split down (exercise, public or
    # hidden, case) so that each level adds up to the one above it to the last digit.
    names = list(exact)

    def split(target: Fraction, parts: list[list[Fraction]]) -> list[list[Fraction]]:
        sums = scoring.apportion([scoring.add(part) for part in parts], target)
        return [scoring.apportion(part, s) for part, s in zip(parts, sums, strict=True)]

    def level(column: int) -> tuple[Fraction, list[tuple[Fraction, list[Fraction],
                                                         list[Fraction]]]]:
        total = scoring.rounded(scoring.add(c[column] for n in names for c in exact[n]))
        by_exercise = scoring.apportion(
            [scoring.add(c[column] for c in exact[n]) for n in names], total)
        out = []
        for name, value in zip(names, by_exercise, strict=True):
            public = [c[column] for c in exact[name] if not c[0].hidden]
            hidden = [c[column] for c in exact[name] if c[0].hidden]
            shown_public, shown_hidden = split(value, [public, hidden])
            out.append((value, shown_public, shown_hidden))
        return total, out

    total, earned_by = level(1)
    total_max, possible_by = level(2)
    exercises = []
    for number, name in enumerate(names, start=1):
        earned, pub_e, hid_e = earned_by[number - 1]
        possible, pub_m, hid_m = possible_by[number - 1]
        scores = iter(pub_e), iter(hid_e)
        maxima = iter(pub_m), iter(hid_m)
        tests = tuple(GradedTest(r, f"{number}.{i}", next(scores[r.hidden]),
                                 next(maxima[r.hidden]))
                      for i, (r, _, _) in enumerate(exact[name], start=1))
        exercises.append(ExerciseResult(name, number, tests, earned, possible,
                                        scoring.add(pub_e), scoring.add(pub_m),
                                        scoring.add(hid_e), scoring.add(hid_m)))
    raw = total if gradable else Fraction(0)
    return RunResult(exercises=tuple(exercises), submission=submission, status=status,
                     message=message,
                     score=scoring.rounded(raw * late.kept) if late else raw,
                     max_score=total_max, protections=tuple(protections),
                     execution_time=execution_time, impl=impl, mode=mode,
                     extra=dict(extra or {}), raw_score=raw, late=late,
                     leaderboard=tuple(leaderboard), sandbox_cpu_seconds=sandbox_cpu_seconds)
