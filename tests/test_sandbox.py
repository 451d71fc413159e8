"""The sandbox's own guarantees: protections, fresh children, cached import failures,
deadlines that kill whole process trees, and the fallback without namespaces."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
import torch
from sandbox_helpers import UidWatcher

from grader.sandbox import IsolatedSubject, expected_protections, os_support
from grader.subject import ProbeFailure

HERE = Path(__file__).resolve().parent
TOY = HERE / "fixtures" / "toy_suite"
PROBES = TOY / "spec_tests" / "probes"
AGENT = HERE / "hostile" / "agent"
NAMESPACES, UID_DROP = os_support()
needs_namespaces = pytest.mark.skipif(not NAMESPACES, reason="needs Linux namespaces (root)")


@pytest.fixture
def agent(spawn_mode):
    """A sandbox around tests/hostile/agent, started both ways (see tests/conftest.py)."""
    subject = IsolatedSubject(AGENT, PROBES, default_timeout=3.0, preload=(), zygote=spawn_mode)
    yield subject
    subject.close()


def test_reference_answers_through_the_sandbox(spawn_mode):
    subject = IsolatedSubject(TOY / "reference", PROBES, preload=(), zygote=spawn_mode)
    try:
        assert subject.call("arith.add", a=1.5, b=2.0) == 3.5
        assert subject.call("arith.shout", s="abc") == "ABC"
        assert any("separate process" in p for p in subject.protections)
    finally:
        subject.close()
    assert not subject.sandbox.exists()


@needs_namespaces
def test_protections_are_active_here(agent):
    assert any("PID namespace" in p for p in agent.protections)
    assert any("network namespace" in p for p in agent.protections)
    assert agent.protections[:5] == expected_protections()[:5]
    seen = json.loads(agent.call("arith.shout", s="whoami"))
    assert seen["isolated"] == 1
    if UID_DROP:
        assert seen["uid"] == agent.uid and agent.uid >= 100_000
    assert seen["cwd"].endswith("/work")


@needs_namespaces
def test_the_child_is_the_out_of_memory_killers_first_choice(agent):
    """Under a container's memory limit the kernel kills the child, not the grader (a leaky
    submission used to cost the whole grade: its pytest run was the one killed)."""
    assert json.loads(agent.call("arith.shout", s="whoami"))["oom_score_adj"] == 1000
    if UID_DROP:  # without its uid it cannot lower it again
        assert agent.call("arith.shout", s="oom_spare_me") == "1000"
    assert any("oom_score_adj 1000" in p for p in agent.protections)


def test_child_environment_is_built_from_scratch(agent, monkeypatch):
    env = json.loads(agent.call("arith.shout", s="env"))
    assert not [k for k in env if k.startswith("GRADSPEC")]
    assert env["HOME"].startswith(str(agent.sandbox)) and env["OMP_NUM_THREADS"] == "1"
    assert "PYTEST_CURRENT_TEST" not in env


def test_concurrent_subjects_get_distinct_slots(agent):
    other = IsolatedSubject(AGENT, PROBES, preload=())
    try:
        assert other.slot != agent.slot and other.sandbox != agent.sandbox
    finally:
        other.close()


def test_fresh_child_after_a_crash(agent):
    with pytest.raises(ProbeFailure) as crash:
        agent.call("arith.shout", s="segv")
    assert crash.value.kind == "crashed" and "SIGSEGV" in str(crash.value)
    assert agent.call("arith.add", a=1.0, b=1.0) == 2.0
    assert agent.call("arith.shout", s="upper:again") == "AGAIN"


def test_import_failure_is_remembered_and_fails_fast(tmp_path, spawn_mode):
    (tmp_path / "arith.py").write_text("import time\ntime.sleep(1000)\n")
    (tmp_path / "tens.py").write_text("def scale(x, k):\n    return x\n")
    subject = IsolatedSubject(tmp_path, PROBES, default_timeout=1.0, preload=(),
                              zygote=spawn_mode)
    try:
        with pytest.raises(ProbeFailure) as first:
            subject.call("arith.add", a=1.0, b=2.0)
        assert first.value.kind == "timeout" and "importing arith" in str(first.value)
        start = time.monotonic()
        for _ in range(3):
            with pytest.raises(ProbeFailure) as again:
                subject.call("arith.mean", xs=[1.0])
            assert again.value.kind == "timeout"
        assert time.monotonic() - start < 0.5
        assert subject.call("tens.scale", x=[1.0], k=2.0) == [1.0]  # the other module works
    finally:
        subject.close()


def test_an_exercise_that_timed_out_twice_fails_fast(tmp_path, spawn_mode):
    """Two timeouts in a module (the second with a short deadline), then its every call fails
    at once; the submission's other modules are unaffected."""
    sub = tmp_path / "sub"
    sub.mkdir()
    shutil.copy(AGENT / "arith.py", sub / "arith.py")
    shutil.copy(TOY / "reference" / "tens.py", sub / "tens.py")
    subject = IsolatedSubject(sub, PROBES, preload=(), zygote=spawn_mode)
    try:
        subject.call("arith.add", a=1.0, b=2.0)
        with pytest.raises(ProbeFailure):
            subject.call("arith.shout", s="sleep:100", timeout=1.0)
        start = time.monotonic()
        with pytest.raises(ProbeFailure) as second:
            subject.call("arith.shout", s="sleep:100", timeout=60.0)
        assert second.value.kind == "timeout"
        assert time.monotonic() - start < 10  # the second deadline is short
        start = time.monotonic()
        with pytest.raises(ProbeFailure) as third:
            subject.call("arith.add", a=1.0, b=2.0)  # a call that would answer at once
        assert third.value.kind == "timeout" and "timed out 2 times" in str(third.value)
        assert time.monotonic() - start < 0.2
        assert subject.call("tens.scale", x=torch.ones(2), k=2.0).tolist() == [2.0, 2.0]
    finally:
        subject.close()


def test_once_two_modules_hung_the_others_get_short_deadlines(tmp_path, spawn_mode):
    """A submission that hangs everywhere: after two modules fail fast, a third starts with
    the short deadline and fails fast after one more timeout, saying why; its calls that
    answer still count."""
    sub, probes = tmp_path / "sub", tmp_path / "probes"
    for folder in (sub, probes):
        folder.mkdir()
    for name in ("first", "second", "third"):
        (sub / f"{name}.py").write_text("import time\n\n\ndef run(s):\n"
                                        "    time.sleep(s)\n    return s\n")
        (probes / f"{name}.py").write_text("def run(mod, s):\n    return mod.run(s)\n")
    subject = IsolatedSubject(sub, probes, preload=(), zygote=spawn_mode)
    try:
        for name in ("first", "second"):
            for _ in range(2):
                with pytest.raises(ProbeFailure):
                    subject.call(f"{name}.run", s=100, timeout=1.0)
        assert subject.call("third.run", s=0) == 0  # an honest call answers as ever
        start = time.monotonic()
        with pytest.raises(ProbeFailure) as short:
            subject.call("third.run", s=100, timeout=60.0)
        assert short.value.kind == "timeout"
        assert time.monotonic() - start < 10  # the short deadline, not the test's 60 s
        assert "first, second had already hung" in str(short.value)
        with pytest.raises(ProbeFailure) as fast:
            subject.call("third.run", s=0)
        assert "timed out 2 times" in str(fast.value)
    finally:
        subject.close()


@needs_namespaces
def test_deadline_kills_a_tree_that_ignores_signals(agent):
    """A grandchild in its own session, ignoring SIGTERM/SIGINT/SIGHUP, dies with the child."""
    with UidWatcher(agent.uid) as watcher, pytest.raises(ProbeFailure) as failure:
        agent.call("arith.shout", s="orphan", timeout=1.0)
    assert failure.value.kind == "timeout"
    assert len(watcher.seen) >= 2  # the worker and its grandchild were seen alive
    deadline = time.monotonic() + 3
    while watcher.survivors() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not watcher.survivors()


def test_garbage_on_the_pipe_is_a_protocol_failure(agent):
    with pytest.raises(ProbeFailure) as failure:
        agent.call("arith.shout", s="garbage")
    assert failure.value.kind == "protocol"
    assert "wrote to (or closed) the grader's private channel" in str(failure.value)
    assert agent.call("arith.shout", s="upper:fine") == "FINE"


def test_fallback_without_namespaces_still_isolates_the_process(spawn_mode):
    subject = IsolatedSubject(AGENT, PROBES, default_timeout=1.0, preload=(), namespaces=False,
                              zygote=spawn_mode)
    try:
        assert subject.zygote is None  # a zygote's children need namespaces: plain path
        assert any("process group" in p for p in subject.protections)
        assert subject.call("arith.add", a=1.0, b=2.0) == 3.0
        with pytest.raises(ProbeFailure) as failure:
            subject.call("arith.shout", s="sleep:100")
        assert failure.value.kind == "timeout"
        assert subject.call("arith.add", a=2.0, b=2.0) == 4.0
    finally:
        subject.close()


def test_student_tracebacks_name_no_sandbox_path(agent):
    with pytest.raises(ProbeFailure) as failure:
        agent.call("arith.shout", s="nonsense:1")
    text = str(failure.value)
    assert "KeyError" in text and 'File "arith.py"' in text
    assert str(agent.sandbox) not in text


def test_the_child_holds_only_its_own_pipes(agent):
    """stdin from /dev/null, stdout/stderr to the capture pipe, the request and answer pipes:
    no socket (the zygote's) and no descriptor of the grader's leaks in, either way."""
    fds = json.loads(agent.call("arith.shout", s="fds"))
    assert sorted(fds.values()) == ["/dev/null"] + ["pipe"] * 4, fds
    assert fds["0"] == "/dev/null" and fds["1"] == fds["2"] == "pipe"


@pytest.mark.parametrize("read", ["t.cpu()", "t.sum().item()", "t.numpy()", "float(t.sum())",
                                  "t.tolist()"])
def test_reading_a_meta_tensor_is_a_device_placement_failure(tmp_path, read):
    """Not 'not implemented' (torch raises NotImplementedError for some of these): the
    student's code moved data off the device, and the message says what usually does."""
    from grader.subject import LocalSubject

    (tmp_path / "impl").mkdir()
    (tmp_path / "impl" / "arith.py").write_text(
        f"import torch\ndef shout(s):\n    t = torch.ones(3, device='meta')\n    return {read}\n")
    with pytest.raises(ProbeFailure) as failure:
        LocalSubject(tmp_path / "impl", PROBES).call("arith.shout", s="x")
    assert failure.value.kind == "device" and failure.value.status == "device placement"
    assert ".cpu(), .item(), .numpy()" in str(failure.value)


def test_the_childrens_cpu_time_is_the_kernels_count_of_the_whole_tree(spawn_mode):
    """What the submission's code cost, counted by the kernel (its children's too): the
    figure a run reports as the submission's own CPU time."""
    subject = IsolatedSubject(AGENT, PROBES, default_timeout=20.0, preload=(), zygote=spawn_mode)
    try:
        assert subject.call("arith.shout", s="spin:0.4") == "spun"
        assert subject.cpu_seconds == 0.0  # the child still runs: not counted yet
    finally:
        subject.close()
    assert 0.8 <= subject.cpu_seconds < 30, subject.cpu_seconds
