"""The zygote (grader/zygote.py, grader/runtime/zygote.py): its children are confined exactly like
plain sandbox children, it holds no grader state, it reaps what it forks and kills a child
whose requester went away. The attacks of test_attacks.py also run against its children."""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from pathlib import Path

import pytest
from sandbox_helpers import UidWatcher, parents

from grader.sandbox import IsolatedSubject, os_support, start_zygote
from grader.subject import ProbeFailure

HERE = Path(__file__).resolve().parent
TOY = HERE / "fixtures" / "toy_suite"
PROBES = TOY / "spec_tests" / "probes"
AGENT = HERE / "hostile" / "agent"
NAMESPACES, UID_DROP = os_support()
pytestmark = pytest.mark.skipif(not NAMESPACES, reason="the zygote needs Linux namespaces")
SECRET = "grading-seed-31337"


def _children(pid: int) -> list[int]:
    """Host pids whose parent is ``pid`` (zombies included)."""
    return [child for child, parent in parents().items() if parent == pid]


def _describe(pids: set[int]) -> str:
    lines = []
    for pid in sorted(pids):
        try:
            status = Path(f"/proc/{pid}/status").read_text().splitlines()
        except OSError:
            continue
        lines.append(" ".join(line for line in status if line.split(":")[0] in
                              ("Name", "State", "PPid", "NSpid")))
    return "survivors: " + "; ".join(lines)


@pytest.fixture
def agent(zygote):
    subject = IsolatedSubject(AGENT, PROBES, default_timeout=3.0, preload=(), zygote=zygote)
    yield subject
    subject.close()


def test_a_zygote_child_is_confined_like_a_plain_one(agent, tmp_path):
    assert agent.zygote is not None
    seen = json.loads(agent.call("arith.shout", s="whoami"))
    assert seen["isolated"] == 1 and seen["cwd"].endswith("/work")
    if UID_DROP:
        assert seen["uid"] == agent.uid >= 100_000
    for path in (TOY / "reference" / "arith.py", TOY / "spec_tests" / "test_arith.py",
                 agent.zygote.dir / "zygote.log", Path(agent.zygote.address)):
        assert path.exists()
        assert agent.call("arith.shout", s=f"read:{path}") == "ERR:FileNotFoundError", path
    assert agent.call("arith.shout", s="connect:1.1.1.1:53").startswith("ERR:")
    pids = json.loads(agent.call("arith.shout", s="pids"))
    assert pids[:2] == [1, 2] and len(pids) <= 3  # its own PID namespace, nothing else


def test_no_grader_state_reaches_the_zygote_or_its_children(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADSPEC_SEED", SECRET)
    monkeypatch.setenv("SOME_TOKEN", SECRET)
    fresh = start_zygote(preload=("numpy",))
    assert fresh is not None
    subject = IsolatedSubject(AGENT, PROBES, default_timeout=10.0, preload=(), zygote=fresh)
    try:
        env = json.loads(subject.call("arith.shout", s="env"))
        assert SECRET not in json.dumps(env) and not [k for k in env if "GRADSPEC" in k]
        modules = set(json.loads(subject.call("arith.shout", s="modules")))
        assert "numpy" in modules and "grader.runtime.zygote" in modules
        leaked = {"pytest", "_pytest", "grader.plugin", "grader.sandbox",
                  "grader.sandbox.zygote_client", "grader.run.runner", "sandbox_helpers",
                  "xdist"} & modules
        assert not leaked  # a fresh interpreter, never a fork of the grader
        assert subject.call("arith.shout", s=f"read:/proc/{os.getpid()}/environ").startswith(
            "ERR:")
        # the zygote itself is a freshly exec'd `python -I` with the sandbox's environment
        zygote_env = Path(f"/proc/{fresh.proc.pid}/environ").read_bytes()
        assert SECRET.encode() not in zygote_env and b"GRADSPEC" not in zygote_env
        cmdline = Path(f"/proc/{fresh.proc.pid}/cmdline").read_bytes().split(b"\0")
        assert cmdline[:3] == [sys.executable.encode(), b"-I", b"-c"]
    finally:
        subject.close()
        fresh.close()
    assert not fresh.dir.exists()


def test_deadline_kills_the_tree_and_the_zygote_reaps_it(agent):
    zygote_pid = agent.zygote.proc.pid
    with UidWatcher(agent.uid) as watcher, pytest.raises(ProbeFailure) as failure:
        agent.call("arith.shout", s="orphan", timeout=1.0)
    assert failure.value.kind == "timeout"
    assert len(watcher.seen) >= 2
    deadline = time.monotonic() + 3
    while (watcher.survivors() or _children(zygote_pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not watcher.survivors()
    assert agent.call("arith.add", a=1.0, b=2.0) == 3.0  # a fresh child from the same zygote
    agent.close()
    deadline = time.monotonic() + 3
    while _children(zygote_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _children(zygote_pid)  # no zombies: every child it forked was reaped


def test_a_child_dies_when_its_requester_goes_away(agent):
    """The requester (a pytest run killed at its total deadline) closing its socket kills it."""
    with UidWatcher(agent.uid) as watcher:
        assert agent.call("arith.add", a=1.0, b=2.0) == 3.0
        watcher.snapshot()  # the child may die before the watcher's next poll
        child = agent._child
        assert child is not None and child.proc.pid in _children(agent.zygote.proc.pid)
        child.proc.conn.close()  # what the kernel does when the requester dies
        deadline = time.monotonic() + 5
        while watcher.survivors() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert watcher.seen, "the sandbox's processes were never seen"
        assert not watcher.survivors(), _describe(watcher.survivors())


def _as_other_user(address: str, uid: int = 100_999) -> str:
    """Connect to the zygote as ``uid`` and send a request; what happened, in words."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the forked test process: plain system calls only, then _exit
        answer = "?"
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            conn.settimeout(20)
            try:
                conn.connect(address)
            except OSError as exc:
                answer = type(exc).__name__
            else:
                fds = [fd for _ in range(2) for fd in os.pipe()]
                socket.send_fds(conn, [json.dumps({"config": {}}).encode()], fds)
                answer = f"answer {conn.recv(64)!r}"
        finally:
            os.write(write_end, answer.encode())
            os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    answer = os.read(read_end, 200).decode()
    os.close(read_end)
    return answer


def test_the_zygote_answers_only_its_own_user(zygote):
    """Its folder is private; and a peer of another uid that reaches the socket is refused."""
    assert os.stat(zygote.dir).st_mode & 0o077 == 0
    assert _as_other_user(zygote.address) == "PermissionError"
    os.chmod(zygote.dir, 0o711)
    os.chmod(zygote.address, 0o777)
    try:
        assert _as_other_user(zygote.address) == "answer b''"  # refused: nothing forked
    finally:
        os.chmod(zygote.address, 0o755)
        os.chmod(zygote.dir, 0o700)


def test_a_dead_zygote_costs_nothing_but_speed():
    """Its subjects go on the plain path; a batch worker replaces it before the next task."""
    from grader.run.batch import _revive_zygote
    from grader.sandbox import process_zygote, use_zygote

    dead = start_zygote(preload=())
    assert dead is not None
    dead.proc.kill()
    dead.proc.wait()
    subject = IsolatedSubject(AGENT, PROBES, default_timeout=10.0, preload=(), zygote=dead)
    try:
        assert subject.call("arith.add", a=1.0, b=2.0) == 3.0
        assert subject.zygote is None
    finally:
        subject.close()
    use_zygote(dead)
    revived = None
    try:
        _revive_zygote()
        revived = process_zygote()
        assert revived is not None and revived is not dead and revived.alive()
        assert not dead.dir.exists()
    finally:
        use_zygote(None)
        if revived is not None:
            revived.close()


def test_an_attached_zygote_forks_for_another_process_and_is_not_its_to_stop(zygote, tmp_path):
    """``grader run`` starts the zygote and its pytest run attaches to it by folder."""
    from grader.sandbox import Zygote, ZygoteError

    attached = Zygote.attach(zygote.dir)
    assert attached.alive() and attached.dir == zygote.dir
    subject = IsolatedSubject(AGENT, PROBES, default_timeout=10.0, preload=(), zygote=attached)
    try:
        assert subject.call("arith.add", a=1.0, b=2.0) == 3.0
        assert subject.zygote is attached  # forked by the zygote, not on the plain path
        assert zygote.dir in subject.hide_paths
    finally:
        subject.close()
    attached.close()
    assert zygote.alive() and zygote.dir.exists()  # the starter's to stop
    fake = tmp_path / "gradspec-zygote-fake"
    fake.mkdir(mode=0o700)
    (fake / "socket").write_text("")
    for folder, why in [(tmp_path / "absent", "no zygote folder"),
                        (tmp_path, "not a zygote's private folder"),
                        (fake, "not a zygote's private folder")]:
        with pytest.raises(ZygoteError, match=why):
            Zygote.attach(folder)
    os.chmod(zygote.dir, 0o755)
    try:
        with pytest.raises(ZygoteError, match="not a zygote's private folder"):
            Zygote.attach(zygote.dir)
    finally:
        os.chmod(zygote.dir, 0o700)


def test_grader_run_starts_the_zygote_first_and_its_pytest_run_uses_it(tmp_path, monkeypatch):
    """The zygote imports torch while the submission is read and pytest starts; the pytest
    run attaches to it (no zygote of its own), and ``GRADSPEC_ZYGOTE=0`` reaches the run."""
    import subprocess

    from grader import settings
    from grader.run import runner
    from grader.run.launch import ForkedPytest

    zygote = runner._early_zygote(None)
    try:
        assert zygote is not None and zygote.alive()
        env = runner._zygote_env(zygote)
        assert env == {settings.ZYGOTE_DIR.env: str(zygote.dir)}
        assert runner._early_zygote(ForkedPytest) is None  # a batch worker has its own
        run = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--isolated",
               f"--impl={TOY / 'reference'}", str(TOY / "spec_tests" / "test_arith.py"),
               "-W", "error::UserWarning"]
        for handed in (str(zygote.dir), str(tmp_path)):
            done = subprocess.run(run, cwd=TOY, capture_output=True, text=True, timeout=300,
                                  env=dict(os.environ, **{settings.ZYGOTE_DIR.env: handed}))
            if handed == str(zygote.dir):
                assert done.returncode == 0, done.stdout[-3000:]
            else:  # a folder that is not a zygote's: said, and the run starts its own
                assert "not a zygote's private folder" in done.stdout + done.stderr
    finally:
        if zygote is not None:
            zygote.close()
    monkeypatch.setenv(settings.ZYGOTE.env, "0")
    assert runner._early_zygote(None) is None
    assert runner._zygote_env(None) == {settings.ZYGOTE.env: "0"}


def test_local_batch_workers_share_the_drivers_zygote_and_replace_it_if_it_dies():
    """A local pool gets one zygote from the driver; a worker attaches to it (or starts its
    own where it cannot: another machine), and replaces it by its own once it is gone."""
    from grader.run import batch
    from grader.run.executors.local import LocalExecutor
    from grader.sandbox import ZygoteError, attach_or_start, process_zygote, use_zygote

    class Elsewhere:  # an executor whose workers may be on other machines
        pass

    assert batch._driver_zygote(Elsewhere()) is None  # type: ignore[arg-type]
    driver = batch._driver_zygote(LocalExecutor(1))
    assert driver is not None and driver.alive()
    own = None
    try:
        attached, refused = attach_or_start(str(driver.dir))
        assert attached is not None and attached.proc is None and attached.alive()
        assert refused is None
        own, refused = attach_or_start("/nonexistent/gradspec-zygote-x")
        assert own is not None and own.proc is not None  # started its own
        assert isinstance(refused, ZygoteError) and "no zygote folder" in str(refused)
        own.close()
        use_zygote(attached)
        driver.close()
        assert not attached.alive()  # its socket takes no connection any more
        batch._revive_zygote()
        own = process_zygote()
        assert own is not None and own is not attached and own.proc is not None and own.alive()
    finally:
        use_zygote(None)
        driver.close()
        if own is not None:
            own.close()
