"""The leaderboard: values a suite's test records (times the grader measured around the call),
in results.json only when the assignment turns it on, never for a wrong answer."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from gradescope_helpers import check_gradescope_schema
from minisuite import build_suite

from grader.run.runner import grade_submission

SPEED_TEST = '''
import pytest


def test_add_speed(subject, leaderboard):
    """Not graded: how long add takes, timed by the grader."""
    value, seconds = subject.call_timed("adder.add", a=2, b=3)
    assert value == 5, "a wrong sum is not put on the leaderboard"
    leaderboard.record("add (s)", seconds, order="asc")
'''
#: Claims a tiny time of its own and sleeps: only the grader's clock counts.
SLOW_ADD = "import time\nSECONDS = 0.0\n\ndef add(a, b):\n    time.sleep(0.2)\n    return a + b\n"


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build_suite(tmp_path_factory.mktemp("suite"))
    (root / "spec_tests" / "test_speed.py").write_text(textwrap.dedent(SPEED_TEST).lstrip())
    return root


def _grade(suite: Path, tmp_path: Path, code: str, leaderboard: bool) -> dict:
    sub = tmp_path / "sub"
    sub.mkdir(parents=True)
    (sub / "adder.py").write_text(code)
    out = tmp_path / "out"
    grade_submission(sub, out, suite_root=suite, seed=1, leaderboard=leaderboard)
    doc = json.loads((out / "results.json").read_text())
    check_gradescope_schema(doc)
    return doc


@pytest.mark.slow
def test_the_grader_measures_the_leaderboard_value(suite: Path, tmp_path: Path) -> None:
    doc = _grade(suite, tmp_path, SLOW_ADD, leaderboard=True)
    (entry,) = doc["leaderboard"]
    assert entry["name"] == "add (s)" and entry["order"] == "asc"
    assert 0.2 <= entry["value"] <= doc["execution_time"]  # the sleep counts, whatever it says
    assert doc["score"] == 6  # the leaderboard test carries no points


@pytest.mark.slow
def test_no_leaderboard_unless_turned_on_and_none_for_a_wrong_answer(suite: Path,
                                                                     tmp_path: Path) -> None:
    off = _grade(suite, tmp_path / "off", "def add(a, b):\n    return a + b\n", False)
    assert "leaderboard" not in off and off["score"] == 6
    wrong = _grade(suite, tmp_path / "wrong", "def add(a, b):\n    return a\n", True)
    assert "leaderboard" not in wrong
