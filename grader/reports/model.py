"""The view of one graded run that every report shares: exercises, numbered tests, totals.

Built from the plugin's records (``--gradspec-results``) plus what the runner adds
(``submission``, ``execution_time``, ``protections``), so Gradescope's ``results.json`` and the
student's feedback page can never disagree on a number. A case is numbered
"exercise.case" whether or not it could run here, so a number names the same test on a
machine with a GPU and on one without.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

#: Scores are given in units of 1e-4 points: a parametrized test's cases share its points
#: exactly, and the sum of the cases is the test's points to the last digit.
_UNITS = 10_000

_CASE_ID = re.compile(r"\[(.*)\]$")
_ERROR_LINE = re.compile(r"^E\s{1,7}")
_PROBE_FAILURE = re.compile(r"^[\w.]*ProbeFailure: ")
_LOCATION = re.compile(r"^\S.*:\d+: \w+(\.\w+)*$")


@dataclass
class CaseView:
    """One graded case, as the reports show it."""

    number: str
    name: str
    exercise: str
    score: float
    max_score: float
    outcome: str  # passed / failed / skipped
    status: str  # passed, failed, skipped, or a failure kind such as "timeout"
    hidden: bool
    tags: list[str]
    message: str  # condensed failure or skip text; "" when passed


@dataclass
class ExerciseView:
    """Totals of one exercise, public and hidden apart."""

    name: str
    number: int
    earned: float = 0.0
    possible: float = 0.0
    tests: list[CaseView] = field(default_factory=list)

    def public(self, outcome: str | None = None) -> list[CaseView]:
        return [t for t in self.tests if not t.hidden and outcome in (None, t.outcome)]

    def hidden_tests(self) -> list[CaseView]:
        return [t for t in self.tests if t.hidden and t.outcome != "skipped"]

    @property
    def hidden_earned(self) -> float:
        return round(sum(t.score for t in self.hidden_tests()), 4)

    @property
    def hidden_possible(self) -> float:
        return round(sum(t.max_score for t in self.hidden_tests()), 4)

    def skip_reasons(self) -> dict[str, int]:
        """Reason -> number of public and hidden cases not applicable here."""
        reasons: dict[str, int] = {}
        for t in self.tests:
            if t.outcome == "skipped":
                reasons[t.message] = reasons.get(t.message, 0) + 1
        return reasons

    def statuses(self) -> dict[str, int]:
        """Public failure kinds other than a plain failed check (timeout, crashed...) -> count."""
        counts: dict[str, int] = {}
        for t in self.public():
            if t.outcome == "failed" and t.status != "failed":
                counts[t.status] = counts.get(t.status, 0) + 1
        return counts


@dataclass
class RunView:
    """A whole graded run: the submission, its exercises and the totals."""

    exercises: list[ExerciseView]
    submission: dict[str, Any]
    execution_time: float
    protections: list[str]
    gradable: bool

    @property
    def tests(self) -> list[CaseView]:
        return [t for ex in self.exercises for t in ex.tests]

    @property
    def score(self) -> float:
        return round(sum(t.score for t in self.tests), 4) if self.gradable else 0.0

    @property
    def max_score(self) -> float:
        return round(sum(t.max_score for t in self.tests), 4)

    @property
    def has_hidden(self) -> bool:
        return any(t.hidden for t in self.tests)


def build_view(payload: dict[str, Any]) -> RunView:
    """Number, name and score every record of ``payload`` (the payload is not changed)."""
    records = copy.deepcopy([r for r in payload.get("records", []) if r.get("points")])
    # exercises alphabetically, public before hidden, otherwise in the order pytest ran them
    records.sort(key=lambda r: (str(r["exercise"]), bool(r.get("hidden"))))
    submission = dict(payload.get("submission") or {})
    status = str(submission.get("status", "ok"))
    # Any other status (bad zip, empty, import error, timeout...) means no grade: score 0.
    gradable = status == "ok"
    units = _share_units(records)
    exercises: dict[str, ExerciseView] = {}
    for index, rec in enumerate(records):
        ex = exercises.get(rec["exercise"])
        if ex is None:
            ex = exercises[rec["exercise"]] = ExerciseView(rec["exercise"], len(exercises) + 1)
        max_units = units[index] if rec["outcome"] != "skipped" else 0
        max_score = max_units / _UNITS
        score = max_score if rec["outcome"] == "passed" and gradable else 0.0
        ex.tests.append(CaseView(
            number=f"{ex.number}.{len(ex.tests) + 1}",
            name=display_name(rec),
            exercise=rec["exercise"],
            score=score,
            max_score=max_score,
            outcome=rec["outcome"],
            status=rec.get("status", rec["outcome"]),
            hidden=bool(rec.get("hidden")),
            tags=list(rec.get("tags") or []),
            message=condense(str(rec.get("message") or ""), rec["outcome"]),
        ))
        ex.earned = round(ex.earned + score, 4)
        ex.possible = round(ex.possible + max_score, 4)
    return RunView(
        exercises=list(exercises.values()),
        submission=submission,
        execution_time=float(payload.get("execution_time") or 0.0),
        protections=[str(p) for p in payload.get("protections") or []],
        gradable=gradable,
    )


def _share_units(records: list[dict[str, Any]]) -> list[int]:
    """Each applicable case's share of its test's points, in units, summing exactly
    to the test's points (the odd units go to the first cases by node id: reproducible)."""
    groups: dict[str, list[int]] = {}
    for index, rec in enumerate(records):
        if rec["outcome"] != "skipped":
            groups.setdefault(rec["group"], []).append(index)
    units = [0] * len(records)
    for indices in groups.values():
        total = round(float(records[indices[0]]["points"]) * _UNITS)
        base, extra = divmod(total, len(indices))
        for position, index in enumerate(sorted(indices, key=lambda i: records[i]["nodeid"])):
            units[index] = base + (1 if position < extra else 0)
    return units


def display_name(rec: dict[str, Any]) -> str:
    """``cosine: Value matches the oracle [cpu-float64]``: docstring (or function) + case id."""
    function = rec["group"].rsplit("::", 1)[-1]
    title = str(rec.get("doc") or "").strip() or function
    match = _CASE_ID.search(str(rec.get("nodeid", "")))
    case = f" [{match.group(1)}]" if match else ""
    return f"{rec['exercise']}: {title}{case}"


def condense(message: str, outcome: str) -> str:
    """The part of pytest's failure text a student acts on: the assertion's own message
    (the ``E`` lines) and where it failed; the test's source listing is left out."""
    if outcome == "skipped":
        return message.removeprefix("Skipped: ").strip()
    if outcome != "failed":
        return ""
    lines = message.splitlines()
    errors = [_ERROR_LINE.sub("", line, count=1) for line in lines if _ERROR_LINE.match(line)]
    if not errors:
        return message.strip()
    errors[0] = _PROBE_FAILURE.sub("", errors[0], count=1)
    prefix = [lines[0]] if lines and lines[0].startswith("error in test ") else []
    where = [line for line in lines if _LOCATION.match(line)]
    return "\n".join(prefix + errors + (["at " + where[-1]] if where else [])).strip()


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


def md_escape(text: str) -> str:
    """``text`` as literal Markdown: no links, emphasis, tables or raw HTML from student output."""
    return _MD_SPECIAL.sub(r"\\\1", text)
