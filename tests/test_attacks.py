"""Hostile submissions against the isolated runner: each attack gains nothing.

The rule asserted: a submission's score equals the score of its honest part. The toy suite
(tests/fixtures/toy_suite) has two exercises, ``arith`` (9 points, 2 hidden) and ``tens``
(4 points); each hostile submission (tests/hostile/) attacks through ``arith`` next to an
honest ``tens``, so it must score exactly 4. Attacks that need no pytest run talk to a
sandbox directly through :class:`grader.sandbox.IsolatedSubject`. Garbage with the right
metadata is graded by the course's own suite: mutants of the corpus next to an honest
exercise, against the same submission without them.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import socket
import sys
import time
from fractions import Fraction
from pathlib import Path

import graded_runs
import numpy
import pytest
from graded_runs import Graded
from sandbox_helpers import UidWatcher

from grader import corpus
from grader.runtime.wire import Unsupported
from grader.sandbox import IsolatedSubject, os_support
from grader.subject import ProbeFailure

HERE = Path(__file__).resolve().parent
TOY = HERE / "fixtures" / "toy_suite"
PROBES = TOY / "spec_tests" / "probes"
HOSTILE = HERE / "hostile"
HONEST_TENS = 4.0
NAMESPACES, UID_DROP = os_support()
needs_namespaces = pytest.mark.skipif(not NAMESPACES, reason="needs Linux namespaces (root)")


def make_submission(tmp_path: Path, hostile: str, files: tuple[str, ...] | None = None) -> Path:
    """A submission folder: the hostile files (all, or ``files``) plus the honest tens.py."""
    sub = tmp_path / "submission"
    sub.mkdir()
    for path in sorted((HOSTILE / hostile).iterdir()):
        if files is None or path.name in files:
            shutil.copy(path, sub / path.name)
    if not (sub / "tens.py").exists():
        shutil.copy(TOY / "reference" / "tens.py", sub / "tens.py")
    return sub


def grade(tmp_path: Path, sub: Path, spawn: str, suite: Path = TOY) -> Graded:
    """The toy suite graded on ``sub``, sandbox children started the ``spawn`` way."""
    return graded_runs.grade(sub, tmp_path / "out", suite=suite, spawn=spawn)


def assert_only_honest_part(outcome: Graded, results_dir: Path) -> None:
    assert outcome.per_exercise["tens"] == (4.0, 4.0)
    assert outcome.per_exercise["arith"] == (0.0, 9.0)
    assert outcome.score == HONEST_TENS
    assert outcome.exit_status == 1
    results = json.loads((results_dir / "results.json").read_text())
    assert results["score"] == HONEST_TENS
    assert sum(t.get("score", 0) for t in results["tests"]) == HONEST_TENS  # information: none


@pytest.fixture
def agent(spawn_mode):
    """A sandbox around tests/hostile/agent, which attacks on request (no torch preloaded),
    started both ways: a fresh interpreter, or a fork of the zygote (tests/conftest.py)."""
    subject = IsolatedSubject(HOSTILE / "agent", PROBES, default_timeout=3.0, preload=(),
                              zygote=spawn_mode)
    yield subject
    subject.close()


def attack(subject: IsolatedSubject, command: str, timeout: float | None = None):
    return subject.call("arith.shout", s=command, timeout=timeout)


# ------------------------------------------------------------------- exiting
def test_exit_at_import_costs_only_that_module(spawn_mode):
    subject = IsolatedSubject(HOSTILE / "exit_at_import", PROBES, preload=(), zygote=spawn_mode)
    try:
        with pytest.raises(ProbeFailure) as os_exit:
            subject.call("arith.add", a=1.0, b=2.0)
        assert os_exit.value.kind == "exited" and "code 3" in str(os_exit.value)
        with pytest.raises(ProbeFailure) as sys_exit:
            subject.call("tens.scale", x=[1.0], k=2.0)
        assert sys_exit.value.kind == "exited" and "sys.exit" in str(sys_exit.value)
    finally:
        subject.close()


def test_exit_mid_call_costs_only_that_call(agent):
    with pytest.raises(ProbeFailure) as sys_exit:
        attack(agent, "exit:5")
    assert sys_exit.value.kind == "exited"
    with pytest.raises(ProbeFailure) as os_exit:
        attack(agent, "os_exit:4")
    assert os_exit.value.kind == "exited" and "code 4" in str(os_exit.value)
    assert agent.call("arith.add", a=1.0, b=2.0) == 3.0  # a fresh child answers


@pytest.mark.slow  # two graded runs (about 10 s of CPU)
def test_exit_at_import_in_a_graded_run_is_deterministic(tmp_path):
    """os._exit at import zeroes arith only; grading twice (children started fresh, then
    forked from a zygote where it can) gives the same results.json."""
    sub = make_submission(tmp_path, "exit_at_import", files=("arith.py",))
    first = graded_runs.grade(sub, tmp_path / "out1", suite=TOY, seed=99)
    graded_runs.grade(sub, tmp_path / "out2", suite=TOY, seed=99,
                      spawn="zygote" if NAMESPACES else "plain")
    assert_only_honest_part(first, tmp_path / "out1")
    one = json.loads((tmp_path / "out1" / "results.json").read_text())
    two = json.loads((tmp_path / "out2" / "results.json").read_text())
    one.pop("execution_time"), two.pop("execution_time")
    assert one == two
    statuses = {t["name"]: t["status"] for t in one["tests"] if "status" in t}
    assert all(s == "failed" for n, s in statuses.items() if n.startswith("arith"))


# ------------------------------------------------------- pytest's own outcomes
def test_pytest_skip_xfail_exit_from_student_code_fail(tmp_path, graded_spawn):
    sub = make_submission(tmp_path, "pytest_outcomes")
    outcome = grade(tmp_path, sub, graded_spawn)
    assert_only_honest_part(outcome, tmp_path / "out")
    arith = outcome.records("arith")
    assert arith and all(r.outcome == "failed" for r in arith)
    messages = " ".join(r.message for r in arith)
    assert "Skipped" in messages and "XFailed" in messages and "Exit" in messages


# ------------------------------------------------------------------- hanging
def test_a_module_that_hangs_everywhere_costs_two_deadlines(tmp_path, graded_spawn):
    """Every call into arith hangs: two calls wait out their deadlines (the second a short
    one), every later arith test fails at once with status timeout; tens is graded."""
    sub = make_submission(tmp_path, "hang_everywhere")
    outcome = grade(tmp_path, sub, graded_spawn)
    assert_only_honest_part(outcome, tmp_path / "out")
    arith = outcome.records("arith")
    assert all(r.kind == "timeout" for r in arith)
    waited = [r for r in arith if "fail at once" not in r.message]
    assert len(waited) == 2, [r.message[:80] for r in arith]


def test_hang_in_c_with_signals_ignored_is_killed_at_the_deadline(spawn_mode):
    for command in ("sleep:1000", "regex"):
        subject = IsolatedSubject(HOSTILE / "agent", PROBES, default_timeout=3.0, preload=(),
                                  zygote=spawn_mode)
        try:
            start = time.monotonic()
            with pytest.raises(ProbeFailure) as failure:
                attack(subject, command, timeout=1.0)
            assert failure.value.kind == "timeout"
            assert time.monotonic() - start < 6.0
            assert subject.call("arith.add", a=2.0, b=2.0) == 4.0  # a fresh child answers
        finally:
            subject.close()


# --------------------------------------------------------------------- bombs
def test_memory_bomb_is_reported_as_memory(agent):
    for command in ("membomb", "numpy_membomb"):
        with pytest.raises(ProbeFailure) as failure:
            attack(agent, command)
        assert failure.value.kind == "memory", str(failure.value)
    assert attack(agent, "upper:ok") == "OK"


@needs_namespaces
def test_fork_bomb_is_bounded_and_killed(agent):
    with UidWatcher(agent.uid) as watcher, pytest.raises(ProbeFailure) as failure:
        attack(agent, "forkbomb", timeout=1.5)
    assert failure.value.kind == "timeout"
    assert 8 <= len(watcher.seen) <= agent.limits.processes + 1  # bounded by RLIMIT_NPROC
    deadline = time.monotonic() + 3
    while watcher.survivors() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not watcher.survivors()
    assert attack(agent, "upper:ok") == "OK"


def test_disk_bomb_hits_the_file_size_limit(agent):
    with pytest.raises(ProbeFailure) as failure:
        attack(agent, "diskbomb")
    assert failure.value.kind == "exception" and "File too large" in str(failure.value)


def test_output_bomb_is_cut_and_reported(agent):
    start = time.monotonic()
    with pytest.raises(ProbeFailure) as failure:
        attack(agent, "printbomb")
    assert failure.value.kind == "output-limit"
    assert time.monotonic() - start < 3.0
    assert len(agent.last_output) < 70_000
    assert attack(agent, "upper:ok") == "OK"


# ----------------------------------------------------------- forged results
@needs_namespaces
def test_forged_result_files_do_not_reach_the_grader(tmp_path, graded_spawn):
    suite = tmp_path / "suite"
    shutil.copytree(TOY, suite, ignore=shutil.ignore_patterns("__pycache__"))
    sub = make_submission(tmp_path, "forge_results")
    out = tmp_path / "out"
    targets = [out / "grade.json", out / "records.json", out / "results.json",
               out / "junit.xml", suite / "spec_tests" / "conftest.py", tmp_path / "results.json"]
    (sub / "targets.txt").write_text("\n".join(map(str, targets)))
    outcome = grade(tmp_path, sub, graded_spawn, suite=suite)
    assert_only_honest_part(outcome, out)
    records = json.loads((out / "grade.json").read_text())
    assert len(records["tests"]) == 6 and records["mode"] == "isolated"
    assert not (suite / "spec_tests" / "conftest.py").exists()
    assert not (tmp_path / "results.json").exists()


def test_fake_pytest_output_changes_nothing(tmp_path, graded_spawn):
    sub = make_submission(tmp_path, "fake_output")
    outcome = grade(tmp_path, sub, graded_spawn)
    assert_only_honest_part(outcome, tmp_path / "out")
    assert "60 passed" not in (tmp_path / "out" / "pytest.log").read_text()
    assert "13 / 13" not in (tmp_path / "out" / "results.json").read_text()


# ------------------------------------------------------------ lying values
def test_objects_that_equal_anything_come_back_unsupported(agent):
    for command in ("eq_anything", "lying_float"):
        value = attack(agent, command)
        assert isinstance(value, Unsupported), value


def test_tensor_subclass_comes_back_unsupported(spawn_mode):
    subject = IsolatedSubject(HOSTILE / "agent", PROBES, preload=("torch",), zygote=spawn_mode)
    try:
        value = attack(subject, "lying_tensor")
    finally:
        subject.close()
    assert isinstance(value, Unsupported) and "Liar" in value.type_name


def test_monkeypatched_comparisons_only_fool_the_child(tmp_path, graded_spawn):
    sub = make_submission(tmp_path, "monkeypatch")
    assert_only_honest_part(grade(tmp_path, sub, graded_spawn), tmp_path / "out")


def test_detecting_the_grader_gains_nothing(tmp_path, graded_spawn):
    sub = make_submission(tmp_path, "detect_grader")
    outcome = grade(tmp_path, sub, graded_spawn)
    assert_only_honest_part(outcome, tmp_path / "out")
    arith = outcome.records("arith")
    assert all("wrong type" in r.message or "Agree" in r.message for r in arith)


# ---------------------------------------------------------- planted files
def test_planted_conftest_sitecustomize_pth_are_never_loaded(tmp_path, monkeypatch,
                                                             graded_spawn):
    marker = tmp_path / "planted-ran"
    monkeypatch.setenv("PLANTED_MARKER", str(marker))
    sub = make_submission(tmp_path, "planted")
    # Kept under another name in this repo, so that our own pytest never loads it.
    (sub / "planted_conftest.py").rename(sub / "conftest.py")
    outcome = grade(tmp_path, sub, graded_spawn)
    assert_only_honest_part(outcome, tmp_path / "out")
    assert not marker.exists()


# ------------------------------------------------------- output aimed at readers
#: Characters that drive a terminal or reorder text: C0 and C1 controls but newline and tab,
#: DEL, and the bidirectional overrides and isolates.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_control_sequences_in_failures_reach_no_report_raw(tmp_path, graded_spawn):
    """Escape sequences in an exception's type and message, in captured output and in a
    returned string (which pytest's own diff prints) reach every report, pytest.log included,
    as visible escapes: none can clear an instructor's terminal or fake a pass."""
    sub = make_submission(tmp_path, "control_chars")
    out = tmp_path / "out"
    outcome = grade(tmp_path, sub, graded_spawn)
    assert_only_honest_part(outcome, out)
    written = sorted(p for p in out.rglob("*") if p.is_file())
    assert {p.name for p in written} >= {"results.json", "grade.json", "feedback.md",
                                          "feedback.html", "junit.xml", "pytest.log"}
    for path in written:
        text = path.read_text(encoding="utf-8")
        texts = _strings(json.loads(text)) if path.suffix == ".json" else [text]
        for piece in texts:
            assert not _CONTROLS.search(piece), (path.name, _CONTROLS.findall(piece)[:5])
    messages = " ".join(r.message for r in outcome.records("arith"))
    assert "Boom\\x1b[2J" in messages and "\\x1b[32mALL PASSED" in messages


# ------------------------------------------------------ hidden inputs, kept
def test_hidden_inputs_kept_by_the_child_never_reach_a_public_message(tmp_path, graded_spawn):
    """arith keeps the inputs of every call, the hidden test's (drawn from the grading seed)
    too, in memory and in its TMPDIR; tens fails with all it kept. The public tests run before
    any hidden one, so what a student sees before grades are published holds no hidden
    input, and the hidden test is graded as ever."""
    sub = make_submission(tmp_path, "leak_hidden")
    out = tmp_path / "out"
    outcome = grade(tmp_path, sub, graded_spawn)
    seeded = random.Random(1234)  # graded_runs' seed, drawn as the toy's hidden test draws
    hidden_inputs = [repr(seeded.uniform(-100, 100)) for _ in range(2)]
    assert outcome.per_exercise == {"arith": (9.0, 9.0), "tens": (0.0, 4.0)}
    tens = outcome.records("tens")
    assert tens and all("seen [" in r.message for r in tens)
    for name in ("results.json", "feedback.md", "feedback.html", "junit.xml"):
        text = (out / name).read_text()
        assert "seen [" in text and "1.0, 2.0" in text, name  # the public inputs, kept
        for value in hidden_inputs:
            assert value[:12] not in text, (name, value)


# ------------------------------------------------------------- reaching out
@needs_namespaces
def test_reference_hidden_tests_and_batch_folders_are_unreadable(tmp_path, spawn_mode):
    other = tmp_path / "other-submissions" / "bob"
    other.mkdir(parents=True)
    (other / "arith.py").write_text("SECRET = 1\n")
    subject = IsolatedSubject(HOSTILE / "agent", PROBES, preload=(),
                              hide_paths=[TOY / "reference", TOY / "spec_tests", tmp_path],
                              zygote=spawn_mode)
    try:
        for path in (TOY / "reference" / "arith.py", TOY / "spec_tests" / "test_arith.py",
                     TOY / "spec_tests" / "hidden" / "test_arith.py",
                     other / "arith.py"):
            assert path.exists()
            assert attack(subject, f"read:{path}") == "ERR:FileNotFoundError", path
        # hiding is selective: the Python installation stays readable, wherever it lives
        # (this checkout may itself sit under the private /tmp, e.g. a CI clone)
        assert attack(subject, f"read:{numpy.__file__}").startswith("READ:")
    finally:
        subject.close()


@needs_namespaces
def test_the_child_sees_only_an_allowlist_of_the_machine(agent):
    """Another copy of the course anywhere on the machine (here this very checkout, which the
    toy suite's grading does not know to hide), other users' files, the grader's folders:
    none of it is in the child's file system. The system's libraries and the Python
    installation are, read-only."""
    root = HERE.parent
    for path in (root / "reference" / "cosine.py", root / "README.md", TOY / "reference"
                 / "arith.py", Path(sys.executable).resolve().parents[2] / "README.md"):
        if path.exists():
            assert attack(agent, f"read:{path}").startswith("ERR:"), path
    assert attack(agent, f"read:{numpy.__file__}").startswith("READ:")
    assert attack(agent, "read:/etc/os-release").startswith(("READ:", "ERR:FileNotFound"))
    assert attack(agent, f"write:{numpy.__file__}=x").startswith("ERR:")  # read-only
    allowed = {"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc", "dev", "proc",
               "sys", "tmp", "var"}
    for path in (*(Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)),
                 agent.sandbox):
        for form in (path.absolute(), path.resolve()):
            allowed.add(form.parts[1])
    seen = set(json.loads(attack(agent, "ls:/")))
    assert seen <= allowed, seen - allowed
    assert not set(json.loads(attack(agent, f"ls:{agent.sandbox.parent}"))) - {
        agent.sandbox.name}  # no other sandbox, no other student's submission


@needs_namespaces
def test_network_is_unreachable(agent):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    try:
        port = server.getsockname()[1]
        assert attack(agent, f"connect:127.0.0.1:{port}").startswith("ERR:")
        assert attack(agent, "connect:1.1.1.1:53").startswith("ERR:")
    finally:
        server.close()


@needs_namespaces
def test_no_cache_survives_between_submissions(spawn_mode):
    places = ["/tmp/gs-cache", "/var/tmp/gs-cache", "/dev/shm/gs-cache", "~/gs-cache",
              "$TMPDIR/gs-cache"]
    first = IsolatedSubject(HOSTILE / "agent", PROBES, preload=(), zygote=spawn_mode)
    try:
        env = json.loads(attack(first, "env"))
        paths = [p.replace("~", env["HOME"]).replace("$TMPDIR", env["TMPDIR"])
                 for p in places]
        for path in paths:
            assert attack(first, f"write:{path}=answers") == "written", path
    finally:
        first.close()
    second = IsolatedSubject(HOSTILE / "agent", PROBES, preload=(), zygote=spawn_mode)
    try:
        env2 = json.loads(attack(second, "env"))
        assert env2["HOME"] != env["HOME"]
        for path in paths + [p.replace("~", env2["HOME"]).replace("$TMPDIR", env2["TMPDIR"])
                             for p in places]:
            assert attack(second, f"read:{path}") == "ERR:FileNotFoundError", path
    finally:
        second.close()
    for path in paths:
        assert not Path(path).exists()


def test_faking_the_clock_does_not_change_the_measured_time(agent):
    value, seconds = agent.call_timed("arith.shout", s="fakeclock:0.4")
    assert value == "fast"
    assert seconds >= 0.4


# --------------------------------------------- garbage with the right metadata (the course)
COURSE = HERE.parent
EXERCISES = ("cosine", "momentum", "polyfit")
#: Each class of garbage that passed metadata or agreement checks: the mutants
#: (tests/mutants/<exercise>/<name>) put in place of the reference's modules, and a phrase of
#: the failure it must get. The exercise left out is the honest part, graded next to them.
GARBAGE = {
    "nan_of_the_right_shape": ({"momentum": "nan_step", "polyfit": "nan_results"},
                               "holds NaN or inf where finite values are expected"),
    "empty_broadcasting_shapes": ({"cosine": "empty_result", "polyfit": "empty_results"},
                                  "is empty"),
    "identical_garbage_everywhere": ({"cosine": "constant_zero",
                                      "polyfit": "same_garbage_per_backend"}, "is off"),
    "zeros_on_meta_only": ({"momentum": "zeros_on_meta", "polyfit": "zeros_on_meta"},
                           "only the meta device is done"),
}
_COURSE_RUNS: dict[tuple[str, str], Graded] = {}


def course_submission(folder: Path, garbage: dict[str, str], *, honest_only: bool = False
                      ) -> Path:
    """The reference's modules, each exercise of ``garbage`` replaced by its mutant (or, with
    ``honest_only``, left out: the submission's honest part)."""
    folder.mkdir(parents=True)
    for path in (COURSE / "reference").glob("*.py"):
        if path.name != "__init__.py" and path.stem not in garbage:
            shutil.copy(path, folder / path.name)
    for exercise, name in ({} if honest_only else garbage).items():
        with corpus.materialized(HERE / "mutants" / exercise / name, COURSE / "reference") as built:
            shutil.copy(built / f"{exercise}.py", folder / f"{exercise}.py")
    return folder


def grade_course(factory: pytest.TempPathFactory, key: str, spawn: str, garbage: dict[str, str],
                 *, honest_only: bool = False) -> Graded:
    """The course's suite graded on a :func:`course_submission`, once per session and spawn.

    Deadlines are generous: no verdict here may depend on how busy the machine is.
    """
    if (key, spawn) not in _COURSE_RUNS:
        folder = factory.mktemp(f"{key}-{spawn}")
        sub = course_submission(folder / "submission", garbage, honest_only=honest_only)
        _COURSE_RUNS[key, spawn] = graded_runs.grade(sub, folder / "out", suite=COURSE,
                                                     spawn=spawn, probe_timeout=60.0,
                                                     total_timeout=900.0)
    return _COURSE_RUNS[key, spawn]


def verdicts(graded: Graded, exercise: str) -> dict[str, tuple[str, str | None]]:
    return {r.nodeid: (r.outcome, r.kind) for r in graded.records(exercise)}


@pytest.mark.slow  # two to four graded runs of the whole course suite
@pytest.mark.parametrize("attack", list(GARBAGE))
def test_garbage_with_the_right_metadata_earns_nothing(attack, graded_spawn, tmp_path_factory):
    """NaN, empty or broadcasting results, the same garbage from every backend, zeros where
    meta cannot see values: the submission scores exactly what it scores without them, and
    its honest exercise gets the same verdicts as in a complete honest submission."""
    garbage, phrase = GARBAGE[attack]
    case = grade_course(tmp_path_factory, attack, graded_spawn, garbage)
    honest = grade_course(tmp_path_factory, "honest-" + "-".join(sorted(garbage)),
                          graded_spawn, garbage, honest_only=True)
    complete = grade_course(tmp_path_factory, "complete", graded_spawn, {})
    assert case.score == honest.score
    assert case.results["score"] == honest.results["score"]
    for exercise in EXERCISES:
        if exercise in garbage:
            assert case.per_exercise[exercise][0] == 0.0, [
                r.nodeid for r in case.records(exercise) if r.outcome == "passed"]
        else:
            assert case.per_exercise[exercise] == honest.per_exercise[exercise]
            assert verdicts(case, exercise) == verdicts(complete, exercise)
    assert any(phrase in r.message for ex in garbage for r in case.records(ex))


@pytest.mark.slow  # a graded run of the whole course suite
def test_an_honest_complete_submission_keeps_full_marks(graded_spawn, tmp_path_factory):
    complete = grade_course(tmp_path_factory, "complete", graded_spawn, {})
    assert complete.score == Fraction(complete.doc["max_score"]) == 200  # eight exercises of 25
    for exercise in EXERCISES:
        records = complete.records(exercise)
        assert all(r.outcome in ("passed", "skipped") for r in records), [
            (r.nodeid, r.message[:200]) for r in records if r.outcome == "failed"]
        assert all("not available on this machine" in r.message or "does not support" in
                   r.message for r in records if r.outcome == "skipped")
