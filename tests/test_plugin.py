"""The pytest plugin: points and partial credit, the score summary (also under xdist and
pytest-timeout), the implementation under test and its precedence, local-mode failures."""

from __future__ import annotations

import pytest

from grader import records_file
from grader.result import TestRecord, build

pytest_plugins = ["pytester"]

INI = """
[pytest]
gradspec_impl = impl
gradspec_probes = probes
gradspec_categories = values gradients
markers =
    values: v
    gradients: g
"""

PROBES = """
def add(mod, a, b):
    return mod.add(a, b)
"""

TESTS = """
import time
import pytest

@pytest.mark.points(3)
@pytest.mark.values
@pytest.mark.parametrize("a", [1, 2, 3])
def test_add(subject, a):
    assert subject.call("adder.add", a=a, b=1) == a + 1

@pytest.mark.points(2)
@pytest.mark.parametrize("device", [
    "cpu", pytest.param("cuda", marks=pytest.mark.skipif(True, reason="CUDA is absent"))])
def test_on_device(subject, device):
    assert subject.call("adder.add", a=0, b=0) == 0

@pytest.mark.points(1)
@pytest.mark.hidden
def test_hidden_one(subject):
    assert subject.call("adder.add", a=2, b=2) == 4

@pytest.mark.points(4)
def test_hangs(subject):
    if subject.call("adder.add", a=-1, b=0) == "hang":
        time.sleep(30)

def test_without_points():
    pass
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini(INI)
    pytester.mkdir("probes")
    (pytester.path / "probes" / "adder.py").write_text(PROBES)
    pytester.mkdir("impl")
    (pytester.path / "impl" / "adder.py").write_text(
        "def add(a, b):\n    if a == 3:\n        return 0\n    return a + b\n")
    pytester.makepyfile(test_adder=TESTS)
    return pytester


def score_line(result: pytest.RunResult) -> str:
    return next(line for line in result.outlines if line.startswith("Score:"))


def test_partial_credit_skips_hidden_and_summary(suite: pytest.Pytester) -> None:
    result = suite.runpytest("-p", "no:cacheprovider", "--gradspec-results", "r.json")
    # test_add: 2 of 3 cases -> 2; test_on_device: cuda not applicable -> 2; hidden 1; hangs 4
    assert score_line(result) == "Score: 9 / 10 points"
    result.stdout.fnmatch_lines([
        "*gradspec score*",
        "adder *9 / 10*(5 passed, 1 failed, 1 skipped)",
        "*not applicable here (1 cases, no points lost): CUDA is absent",
        "*of which hidden tests: 1 / 1",
    ])
    records = records_file.read(suite.path / "r.json")[0]
    assert {r["exercise"] for r in records} == {"adder"}
    assert len(records) == 7  # the test without points is not graded
    graded = build([TestRecord.from_json(r) for r in records]).tests
    add = [t for t in graded if t.record.function == "test_add"]
    assert [t.score for t in add] == [1, 1, 0]
    assert all(t.record.categories == ("values",) for t in add)
    assert [t.record.case for t in add] == ["1", "2", "3"]
    skipped = next(t for t in graded if "cuda" in t.record.nodeid)
    assert skipped.max_score == 0 and skipped.outcome == "skipped"


def test_score_is_the_same_under_xdist(suite: pytest.Pytester) -> None:
    serial = suite.runpytest_subprocess("-p", "no:cacheprovider")
    parallel = suite.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    assert score_line(serial) == score_line(parallel) == "Score: 9 / 10 points"


def test_a_timeout_costs_its_test_only(suite: pytest.Pytester) -> None:
    (suite.path / "impl" / "adder.py").write_text(
        "def add(a, b):\n    return 'hang' if a == -1 else a + b\n")
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "--timeout", "2",
                                        "-n", "2", "--gradspec-results", "r.json")
    assert score_line(result) == "Score: 6 / 10 points"
    result.stdout.fnmatch_lines(["*1 failed with status: timeout*"])
    records = records_file.read(suite.path / "r.json")[0]
    hung = next(r for r in records if r["function"] == "test_hangs")
    assert hung["kind"] == "timeout"


def test_impl_precedence_and_header(suite: pytest.Pytester,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (suite.path / "other").mkdir()
    (suite.path / "other" / "adder.py").write_text("def add(a, b):\n    return a + b\n")
    (suite.path / "third").mkdir()
    (suite.path / "third" / "adder.py").write_text("def add(a, b):\n    return 0\n")
    result = suite.runpytest_subprocess("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["gradspec: implementation under test = impl  ?from ini *"])
    monkeypatch.setenv("GRADSPEC_IMPL", "other")
    result = suite.runpytest_subprocess("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*= other  ?from environment GRADSPEC_IMPL?*"])
    assert score_line(result) == "Score: 10 / 10 points"
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "--impl", "third")
    result.stdout.fnmatch_lines(["*= third  ?from command line?*"])


def test_broken_module_fails_its_tests_with_the_traceback(suite: pytest.Pytester) -> None:
    (suite.path / "impl" / "adder.py").write_text("def add(a, b)\n    return a + b\n")
    result = suite.runpytest("-p", "no:cacheprovider")
    assert score_line(result) == "Score: 0 / 10 points"
    result.assert_outcomes(passed=1, failed=6, skipped=1)  # no collection error
    result.stdout.fnmatch_lines(["*import error while running adder.add(a=1, b=1)*",
                                 "*SyntaxError*", "*6 failed with status: import error*"])


def test_missing_module_and_student_raised_exit(suite: pytest.Pytester) -> None:
    (suite.path / "impl" / "adder.py").unlink()
    result = suite.runpytest("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*module missing while running adder.add*",
                                 "*the submission has no adder.py*"])
    (suite.path / "impl" / "adder.py").write_text(
        "import pytest\ndef add(a, b):\n    pytest.skip('free points')\n")
    result = suite.runpytest("-p", "no:cacheprovider")
    assert score_line(result) == "Score: 0 / 10 points"  # a skip from student code fails
