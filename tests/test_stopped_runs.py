"""A run cut short still leaves its results: the records file gets a line as each test ends,
so a pytest process killed mid-run (SIGKILL, out of memory, a platform's timeout) leaves a
valid file with every finished test, the grading process keeps results.json current from it
(what a platform that kills the whole run finds), and a run whose pytest was killed or stopped
at the total time limit is graded from the tests that finished."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from fractions import Fraction
from pathlib import Path

import pytest
from minisuite import build_suite

from grader import result as grade
from grader.outcome import FailureKind, SubmissionStatus, TestOutcome
from grader.result import TestRecord
from grader.run.runner import grade_submission

#: A test that never ends (it says when it started), and one that comes after it: the last
#: tests of the run, as hidden tests are.
STALL_TESTS = '''
import os
import time
from pathlib import Path

import pytest


@pytest.mark.points(1)
@pytest.mark.exercise("adder")
def test_stalls(subject):
    """Never returns."""
    Path(os.environ["STALL_MARKER"]).write_text(str(os.getpid()))  # pytest's own
    time.sleep(3600)


@pytest.mark.points(2)
@pytest.mark.exercise("adder")
def test_after_the_stall(subject):
    """Comes after the stall."""
    assert subject.call("adder.add", a=1, b=1) == 2
'''
FINISHED = {"test_add_random", "test_add[small]", "test_add[zeros]", "test_add[negative]",
            "test_add_zero[cpu]"}
NOT_RUN = {"test_stalls", "test_after_the_stall"}
#: results.json's scored rows: one per test function, finished or not.
FUNCTION_ROWS = {"adder: Adds two integers.", "adder: test_add_zero", "adder: test_add_random",
                 "adder: Never returns.", "adder: Comes after the stall."}


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build_suite(tmp_path_factory.mktemp("stall"))
    # hidden, and so after every public test; after the hidden test_adder.py too (name order)
    (root / "spec_tests" / "hidden" / "test_stall.py").write_text(STALL_TESTS)
    return root


def by_name(records: list[TestRecord]) -> dict[str, TestRecord]:
    return {r.nodeid.split("::")[-1]: r for r in records}


def wait_for(ready, what: str, timeout: float = 120.0) -> None:
    """Poll ``ready()`` until it is true; fail saying ``what`` did not happen."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_a_killed_pytest_leaves_valid_records(suite: Path, tmp_path: Path) -> None:
    marker, records = tmp_path / "stalled", tmp_path / "records.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--rootdir={suite}",
         f"--impl={suite / 'reference'}", f"--gradspec-results={records}",
         str(suite / "spec_tests")],
        cwd=suite, env=dict(os.environ, STALL_MARKER=str(marker)),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:  # every test before the stall has ended once it stalls
        wait_for(lambda: marker.exists() or proc.poll() is not None, "pytest never stalled")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    found = grade.read_records(records)  # readable, though the writer was killed
    assert found is not None and found[1]["exitstatus"] is None
    cases = by_name(found[0])
    assert {n for n, r in cases.items() if r.outcome is TestOutcome.PASSED} == FINISHED
    assert cases["test_add_zero[cuda]"].outcome is TestOutcome.SKIPPED  # known before it ran
    assert {n for n, r in cases.items() if r.outcome is TestOutcome.NOT_RUN} == NOT_RUN
    assert not list(tmp_path.rglob(".*.tmp"))


def assert_stopped_results(results: dict) -> None:
    """Gradescope's results.json of the stall suite stopped at the stall."""
    assert "grading stopped at" in results["output"]
    assert "remaining tests not run" in results["output"]
    assert results["score"] == 6 and results["extra_data"]["max_score"] == 9
    rows = {t["name"]: t for t in results["tests"] if t.get("max_score") is not None}
    assert set(rows) == FUNCTION_ROWS
    assert rows["adder: Never returns."]["score"] == 0
    assert rows["adder: Never returns."]["output"] == "**timeout**"  # hidden: its status only


def test_results_stay_current_and_survive_a_killed_pytest(
        suite: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker, out = tmp_path / "stalled", tmp_path / "out"
    monkeypatch.setenv("STALL_MARKER", str(marker))
    graded: list[grade.RunResult] = []
    grading = threading.Thread(target=lambda: graded.append(grade_submission(
        suite / "reference", out, suite_root=suite, seed=1, total_timeout=300.0,
        live_reports=True)))
    grading.start()
    written = out / "results.json"
    try:
        wait_for(marker.exists, "pytest never stalled")

        def live_score() -> bool:
            try:
                return json.loads(written.read_text())["score"] == 6
            except (OSError, ValueError):
                return False
        wait_for(live_score, "the live results.json fell behind")
        # what a platform that killed the whole run now would find
        assert_stopped_results(json.loads(written.read_text()))
    finally:
        if marker.exists():
            os.kill(int(marker.read_text()), signal.SIGKILL)  # pytest, as an OOM kill would
        grading.join()
    run, = graded
    assert run.status is SubmissionStatus.TIMEOUT and run.score == 6 and run.max_score == 9
    assert_stopped_results(json.loads(written.read_text()))
    assert run.message in (out / "feedback.md").read_text()
    assert not list(tmp_path.rglob(".*.tmp"))


def test_a_run_stopped_at_the_total_time_limit_keeps_its_finished_tests(
        suite: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STALL_MARKER", str(tmp_path / "stalled"))
    out = tmp_path / "out"
    run = grade_submission(suite / "reference", out, suite_root=suite, seed=1,
                           total_timeout=30.0)
    assert run.status is SubmissionStatus.TIMEOUT and run.gradable
    assert run.message.startswith("grading stopped at ")
    assert run.message.endswith(" s: remaining tests not run")
    assert run.score == 6 and run.max_score == 9 and run.exit_status == 1
    cases = {t.record.nodeid.split("::")[-1]: t for t in run.tests}
    assert {n for n, t in cases.items() if t.passed} == FINISHED
    for name in NOT_RUN:
        assert cases[name].outcome is TestOutcome.FAILED and cases[name].score == 0
        assert cases[name].record.kind is FailureKind.TIMEOUT
        assert cases[name].record.message == run.message
    results = json.loads((out / "results.json").read_text())
    assert results["score"] == 6 and run.message in results["output"]
    assert {t["name"] for t in results["tests"] if t.get("max_score") is not None} \
        == FUNCTION_ROWS
    assert json.loads((out / "grade.json").read_text())["status"] == "timeout"


def record(name: str, outcome: TestOutcome, points: int = 2) -> TestRecord:
    return TestRecord(nodeid=f"t.py::{name}", function=name, path="t.py", exercise="e",
                      case="", title=name, categories=(), hidden=False,
                      points=Fraction(points), outcome=outcome)


def test_a_stopped_run_keeps_finished_points_and_fails_the_rest() -> None:
    records = [record("a", TestOutcome.PASSED), record("b", TestOutcome.FAILED),
               record("c", TestOutcome.NOT_RUN), record("d", TestOutcome.SKIPPED)]
    stopped = grade.build(records, exit_code=None, stopped=grade.stopped_message(540.2))
    assert stopped.status is SubmissionStatus.TIMEOUT and stopped.status_line == "timeout"
    assert stopped.message == "grading stopped at 540 s: remaining tests not run"
    assert (stopped.score, stopped.max_score) == (2, 6)
    c = next(t for t in stopped.tests if t.record.function == "c")
    assert c.record.kind is FailureKind.TIMEOUT and c.status == "timeout"
    ended = grade.build(records, exit_code=1)  # pytest ended early (-x): an error, not a stop
    c = next(t for t in ended.tests if t.record.function == "c")
    assert ended.status is SubmissionStatus.OK and c.record.kind is FailureKind.TEST_ERROR
    assert "not run" in c.message and ended.score == 2
