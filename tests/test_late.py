"""Late policies: parsed once, applied once (in ``build``), raw and adjusted score both kept and
shown; Gradescope's submission_metadata.json read by ``grader gradescope``."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from gradescope_helpers import check_gradescope_schema, gradescope_root, run_gradescope
from minisuite import build_suite

from grader import result as grade
from grader.late import Late, Lateness, LatePolicy
from grader.outcome import TestOutcome
from grader.reports.run import write_run_reports
from grader.result import TestRecord

DUE = "2026-11-24T23:59:00-08:00"
LATE_DUE = "2026-11-27T23:59:00-08:00"


def lateness(submitted: str) -> Lateness:
    return Lateness.from_text(submitted, DUE, LATE_DUE)


@pytest.mark.parametrize("text, per_day, zero", [
    ("none", 0, False), ("", 0, False), ("10%/day", Fraction(1, 10), False),
    ("12.5%/day", Fraction(1, 8), False), ("zero-after-late-due", 0, True),
    ("10%/day+zero-after-late-due", Fraction(1, 10), True), (" 10 %/day ", Fraction(1, 10), False),
])
def test_policies_parse_and_print_back(text: str, per_day: Fraction, zero: bool) -> None:
    policy = LatePolicy.parse(text)
    assert (policy.per_day, policy.zero_after_late_due) == (per_day, zero)
    assert LatePolicy.parse(str(policy)) == policy


@pytest.mark.parametrize("text", ["10", "10%/week", "0%/day", "150%/day", "zero"])
def test_bad_policies_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        LatePolicy.parse(text)


def test_days_late_are_started_days() -> None:
    assert lateness("2026-11-24T23:00:00-08:00").days_late == 0
    assert lateness("2026-11-25T00:00:00-08:00").days_late == 1  # a minute late: a day
    assert lateness("2026-11-26T23:59:00-08:00").days_late == 2
    assert lateness("2026-11-26T07:59:01Z").days_late == 2  # zones are compared as times
    assert Lateness(marked_late=True).days_late == 1  # Canvas's _LATE, with no times
    assert Lateness().days_late == 0


def test_policy_verdicts() -> None:
    per_day = LatePolicy.parse("10%/day")
    assert per_day.apply(lateness("2026-11-24T12:00:00-08:00")) is None  # on time
    assert per_day.apply(None) is None
    two = per_day.apply(lateness("2026-11-26T12:00:00-08:00"))
    assert (two.days, two.kept) == (2, Fraction(4, 5))
    assert "2 days late: 20 % off" in two.note
    assert per_day.apply(lateness("2026-12-24T12:00:00-08:00")).kept == 0  # never below 0
    zero = LatePolicy.parse("10%/day+zero-after-late-due")
    assert zero.apply(lateness("2026-11-26T12:00:00-08:00")).kept == Fraction(4, 5)
    after = zero.apply(lateness("2026-11-28T00:00:01-08:00"))
    assert after.kept == 0 and "after the late due date" in after.note
    none = LatePolicy.parse("none").apply(lateness("2026-11-26T12:00:00-08:00"))
    assert none.kept == 1 and "no late penalty" in none.note  # recorded, not penalised
    marked = per_day.apply(Lateness(marked_late=True))
    assert marked.kept == Fraction(9, 10) and "marked late" in marked.note


def test_gradescope_metadata_with_an_extension() -> None:
    metadata = {"created_at": "2026-11-26T10:00:00.123456-08:00",
                "assignment": {"due_date": DUE, "late_due_date": None},
                "users": [{"email": "a@example.edu", "name": "A",
                           "assignment": {"due_date": "2026-11-26T23:59:00-08:00"}}]}
    found = Lateness.from_gradescope(metadata)
    assert found.days_late == 0 and found.late_due is None  # the extension wins
    del metadata["users"][0]["assignment"]
    assert Lateness.from_gradescope(metadata).days_late == 2


def _records() -> list[TestRecord]:
    return [TestRecord(nodeid=f"t.py::f[{i}]", function="f", path="t.py", exercise="ex",
                       case=str(i), title="f", categories=(), hidden=False, points=Fraction(3),
                       outcome=TestOutcome.PASSED if i else TestOutcome.FAILED)
            for i in range(3)]


def test_the_penalty_scales_the_total_once_and_every_report_shows_both(tmp_path: Path) -> None:
    late = Late(2, Fraction(4, 5), "submitted 2 days late: 20 % off the score (10 % per day)")
    run = grade.build(_records(), late=late)
    assert run.raw_score == 2 and run.score == Fraction(8, 5)
    assert sum(t.score for t in run.tests) == 2  # the cases keep the points they earned
    assert grade.build(_records()).score == 2
    write_run_reports(run, tmp_path)
    doc = json.loads((tmp_path / "results.json").read_text())
    check_gradescope_schema(doc)
    assert doc["score"] == 1.6 and doc["extra_data"]["raw_score"] == 2
    assert doc["extra_data"]["late"] == {"days": 2, "kept": "4/5", "note": late.note}
    assert "**Score: 1.6 / 3**" in doc["output"] and "Score before the late penalty: 2." \
        in doc["output"]
    assert "20 % off" in doc["output"]
    for page in ("feedback.md", "feedback.html"):
        text = (tmp_path / page).read_text()
        assert "Score: 1.6 / 3 points" in text and "Score before the late penalty: 2." in text
    saved = json.loads((tmp_path / "grade.json").read_text())
    assert (saved["score"], saved["raw_score"], saved["late"]["kept"]) == ("8/5", "2", "4/5")
    assert run.summary()["raw_score"] == "2" and run.summary()["late"]["days"] == 2


@pytest.mark.slow
def test_grader_gradescope_reads_the_submission_metadata(tmp_path: Path) -> None:
    suite = build_suite(tmp_path / "suite")
    root = gradescope_root(tmp_path, suite, {"adder.py": "def add(a, b):\n    return a + b\n"})
    (root / "submission_metadata.json").write_text(json.dumps({
        "id": 1, "created_at": "2026-11-26T12:00:00.000000-08:00",
        "assignment": {"due_date": DUE, "late_due_date": LATE_DUE, "title": "Lab 1",
                       "total_points": "6.0"},
        "users": [{"email": "s@example.edu", "id": 7, "name": "S"}],
        "previous_submissions": []}))
    assert run_gradescope(root, suite, "--late-policy", "10%/day") == 0
    doc = json.loads((root / "results" / "results.json").read_text())
    check_gradescope_schema(doc)
    assert doc["score"] == 4.8 and doc["extra_data"]["raw_score"] == 6
    assert doc["extra_data"]["late"]["days"] == 2
    # hidden tests here: the page says the rule, not the total it would give away
    assert "Late: submitted 2 days late: 20 % off the score" in doc["output"]
    assert "4.8" not in doc["output"] and "before the late penalty" not in doc["output"]


def test_policy_knobs_resolve_with_one_precedence() -> None:
    from grader import settings
    from grader.outcome import Reveal

    ini = {"gradspec_reveal": "points", "gradspec_late_policy": "5%/day"}
    env = {"GRADSPEC_REVEAL": "FULL"}
    assert settings.resolve(settings.REVEAL, ini=ini, env={}).value is Reveal.POINTS
    assert settings.resolve(settings.REVEAL, ini=ini, env=env).value is Reveal.FULL
    assert settings.resolve(settings.REVEAL, cli="description", ini=ini, env=env).value \
        is Reveal.DESCRIPTION
    assert settings.resolve(settings.REVEAL, env={}).value is Reveal.DESCRIPTION  # default
    late = settings.resolve(settings.LATE_POLICY, ini=ini, env={})
    assert late.value == LatePolicy(Fraction(1, 20)) and late.where == "ini gradspec_late_policy"
    with pytest.raises(settings.SettingError, match="GRADSPEC_REVEAL"):
        settings.resolve(settings.REVEAL, env={"GRADSPEC_REVEAL": "everything"})
