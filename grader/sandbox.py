"""Runs probes in a sandbox child process: the grader never imports student code.

:class:`IsolatedSubject` keeps one persistent child per implementation (importing torch once,
not per call) and talks to it with :mod:`grader.runtime.wire` frames over a private pipe. The parent
enforces every deadline: on expiry it SIGKILLs the whole process tree, which in-process
timeouts cannot do (a loop inside one C call, signals ignored, ``fork``/``setsid``).

Where the OS allows (Linux, root, ``unshare``), the child runs in its own PID, network and
mount namespaces: no network, fresh private ``/tmp``-like folders, the reference, the tests
and the batch's other folders covered by empty tmpfs mounts, and a per-slot unprivileged uid.
Elsewhere it falls back to resource limits and a process group; :attr:`IsolatedSubject
.protections` says which protections are active.

A batch worker starts one zygote (:mod:`grader.zygote`): a clean ``python -I`` that imported
torch once and forks each child into fresh namespaces (:mod:`grader.runtime.zygote`), running the
same :func:`grader.runtime.child.init` as the ``unshare`` path, so a child no longer pays torch's
import. ``grader run`` and the fallback keep the plain path.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.runtime import framing, probes, wire
from grader.runtime.confinement import die_with_parent
from grader.subject import Subject
from grader.submission import copy_tree_safely
from grader.zygote import (
    ZYGOTE_PRELOAD,
    Zygote,
    ZygoteError,
    ZygoteProcess,
    boot_argv,
    install_runtime,
)

#: Paths (os.pathsep-separated) the child must not see, set by ``grader run``/``grader batch``.
HIDE_ENV = "GRADSPEC_SANDBOX_HIDE"
#: Uid of sandbox slot ``n`` is ``SANDBOX_UID_BASE + n`` (RLIMIT_NPROC counts per uid).
SANDBOX_UID_BASE = 100_000
NAMESPACE_FLAGS = ("--net", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc")
#: Set to 0 to keep batch workers on the plain path (one ``unshare``'d interpreter per child).
ZYGOTE_ENV = "GRADSPEC_ZYGOTE"
TIMEOUTS_BEFORE_FAST_FAIL = 2


class SandboxError(RuntimeError):
    """The sandbox itself could not be started (the grader's problem, not the student's)."""


@dataclass(frozen=True)
class SandboxLimits:
    """OS limits of one child; ``memory`` None means no address-space limit."""

    memory: int | None = 4 << 30
    cpu_seconds: int = 900
    file_size: int = 64 << 20
    processes: int = 64
    open_files: int = 256
    output_capture: int = 64 << 10
    output_flood: int = 1 << 20
    max_answer: int = 128 << 20
    writable_size: str = "256m"
    start_timeout: float = 120.0


def _cuda_present() -> bool:
    """CUDA reserves a huge address space: RLIMIT_AS would break it."""
    return os.path.exists("/dev/nvidiactl") or os.path.exists("/dev/nvidia0")


@functools.cache
def _os_checks() -> tuple[bool, bool, bool]:
    """(namespaces, uid drop inside them, uid drop without them), probed once per process."""
    if sys.platform != "linux" or os.geteuid() != 0:
        return False, False, False
    unshare = shutil.which("unshare")
    uid = SANDBOX_UID_BASE
    drop = (f"import os, sysconfig; os.setgroups([]); os.setresgid({uid}, {uid}, {uid}); "
            f"os.setresuid({uid}, {uid}, {uid})")
    # Without namespaces the uid must also reach the Python installation as it is.
    reach = "; open(os.__file__).close(); os.listdir(sysconfig.get_paths()['purelib'])"

    def works(cmd: list[str]) -> bool:
        try:
            return subprocess.run(cmd, capture_output=True, timeout=20,
                                  stdin=subprocess.DEVNULL).returncode == 0
        except (OSError, subprocess.SubprocessError):
            return False

    ns = unshare is not None and works([unshare, *NAMESPACE_FLAGS, "true"])
    # In namespaces the child re-binds the Python installation where the uid can reach it.
    return (ns, ns and works([sys.executable, "-I", "-c", drop]),
            works([sys.executable, "-I", "-c", drop + reach]))


def os_support(namespaces: bool | None = None) -> tuple[bool, bool]:
    """(namespaces usable, uid drop usable) here; ``namespaces=False`` asks about the fallback."""
    ns, drop_ns, drop_plain = _os_checks()
    if namespaces is False or not ns:
        return False, drop_plain
    return True, drop_ns


def describe_protections(namespaces: bool, uid: int | None,
                         limits: SandboxLimits) -> list[str]:
    """The protections a child started with these settings has, in words."""
    active = ["separate process (python -I)", "wall-clock deadline (SIGKILL)",
              "private HOME and TMPDIR, empty working folder",
              "rlimits: CPU seconds, file size, open files, core dumps",
              f"output capped at {limits.output_flood >> 10} KiB per call"]
    if limits.memory is not None and not _cuda_present():
        active.append(f"address-space limit {limits.memory >> 20} MiB")
    if uid is not None:
        active.append(f"unprivileged uid {uid} with a process limit")
    if namespaces:
        active += ["PID namespace (the whole tree dies with the child)",
                   "network namespace (no network)",
                   "mount namespace (private /tmp, hidden suite, reference and batch paths)"]
    else:
        active.append("process group (no namespaces here: network and files stay visible)")
    return active


def expected_protections(limits: SandboxLimits | None = None) -> list[str]:
    """What :class:`IsolatedSubject` children get on this machine (uid shown for slot 0)."""
    ns, uid_ok = os_support()
    return describe_protections(ns, SANDBOX_UID_BASE if uid_ok else None,
                                limits or SandboxLimits())


def sandbox_env(home: str, tmp: str) -> dict[str, str]:
    """The whole environment of a sandbox child (nothing of the grader's is passed on)."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": tmp,
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "MPLBACKEND": "Agg",
    }
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
        env[var] = "1"  # also keeps the zygote single-threaded, so that it may fork
    if "CUDA_VISIBLE_DEVICES" in os.environ:
        env["CUDA_VISIBLE_DEVICES"] = os.environ["CUDA_VISIBLE_DEVICES"]
    return env


def start_zygote(preload: Sequence[str] = ZYGOTE_PRELOAD) -> Zygote | None:
    """A zygote for this machine's sandbox children, or None where namespaces are unusable.

    None on a CUDA machine too: CUDA cannot be used in a child forked after the driver was
    initialised, and whether an import does that is not guaranteed: the plain path is safe.
    """
    if not os_support()[0] or _cuda_present():
        return None
    return Zygote(sandbox_env("/", "/tmp"), preload)


_process_zygote: list[Zygote | None] = [None]


def use_zygote(zygote: Zygote | None) -> None:
    """Make ``zygote`` the default of every :class:`IsolatedSubject` of this process and of
    its forks (a batch worker's pytest runs); None goes back to the plain path."""
    _process_zygote[0] = zygote


def process_zygote() -> Zygote | None:
    """The zygote set by :func:`use_zygote`, if any."""
    return _process_zygote[0]


def _acquire_slot() -> tuple[int, int]:
    """A slot number no other live sandbox on this machine holds, and the lock that holds it."""
    base = Path(tempfile.gettempdir()) / "gradspec-slots"
    base.mkdir(mode=0o700, exist_ok=True)
    for n in range(100_000):
        fd = os.open(base / f"{n}.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return n, fd
        except BlockingIOError:
            os.close(fd)
    raise SandboxError("no free sandbox slot")


def default_hide_paths(probes_dir: Path) -> list[Path]:
    """What a child must never see: the suite's reference, tests, and the paths in the env."""
    hide = [Path(p) for p in os.environ.get(HIDE_ENV, "").split(os.pathsep) if p]
    suite = probes_dir.parent
    while suite != suite.parent and not any(
            (suite / f).is_file() for f in ("pyproject.toml", "pytest.ini", "tox.ini")):
        suite = suite.parent
    if suite == suite.parent:
        suite = probes_dir.parent.parent
    hide.append(probes_dir.parent)
    hide.extend(suite / name for name in ("reference", "spec_tests", "tests"))
    return hide


def python_paths() -> list[str]:
    """The folders of this Python installation and environment, which the child needs."""
    paths = []
    for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix):
        paths += [os.path.abspath(p), os.path.realpath(p)]
    return list(dict.fromkeys(paths))


def _protected(path: Path) -> bool:
    """Paths that must stay visible: the Python installation and what contains it."""
    path = path.resolve()
    keep = [Path(p) for p in python_paths()] + [Path(sys.executable).resolve().parent]
    return path == Path("/") or any(k == path or path in k.parents for k in keep)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _failure(kind: str, message: str) -> dict[str, Any]:
    return {"ok": False, "kind": kind, "exc_type": "", "message": message, "traceback": ""}


class _Child:
    """One running sandbox process and the parent's ends of its pipes."""

    def __init__(self, proc: subprocess.Popen | ZygoteProcess, req_w: int, resp_r: int,
                 status_r: int | None, out_r: int | None = None):
        self.proc = proc
        self.req_w, self.resp_r, self.status_r = req_w, resp_r, status_r
        if out_r is None:
            out_r = proc.stdout.fileno() if proc.stdout else -1
        self.out_r = out_r
        self.ready = False
        self.imported: set[str] = set()
        self.next_id = 1
        self.buffer = bytearray()
        for fd in (req_w, resp_r, self.out_r):
            os.set_blocking(fd, False)

    def kill(self) -> None:
        """SIGKILL the whole tree: the namespace's init (everything dies with it) or the group."""
        targets = [self.proc.kill]  # a zygote's child: its pidfd, and the zygote kills the group
        if isinstance(self.proc, subprocess.Popen):
            targets.insert(0, lambda: os.killpg(self.proc.pid, signal.SIGKILL))
        for target in targets:
            try:
                target()
            except (ProcessLookupError, PermissionError, OSError):
                pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self.close_fds()

    def close_fds(self) -> None:
        for fd in (self.req_w, self.resp_r, self.status_r):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        if self.proc.stdout:
            self.proc.stdout.close()
        elif isinstance(self.proc, ZygoteProcess):
            try:
                os.close(self.out_r)
            except OSError:
                pass
            self.proc.close()
        self.req_w = self.resp_r = self.status_r = self.out_r = -1

    def end_status(self) -> tuple[str, int]:
        """("signal", N) or ("exit", N) once the child has ended (it is killed if it lingers)."""
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            return "lingered", 0
        if self.status_r is not None and self.status_r >= 0:
            try:
                text = os.read(self.status_r, 64).decode(errors="replace").split()
                if len(text) == 2 and text[1].isdigit():
                    return text[0], int(text[1])
            except (BlockingIOError, OSError):
                pass
        code = self.proc.returncode
        return ("signal", -code) if code < 0 else ("exit", code)


class IsolatedSubject(Subject):
    """Runs probes in a confined child process, with deadlines enforced from outside.

    ``default_timeout``: wall-clock seconds of a call without ``timeout=``. ``hide_paths``:
    what the child must not see (default: the suite's reference/spec_tests/tests and the
    paths in ``$GRADSPEC_SANDBOX_HIDE``). ``preload``: modules the child imports before the
    first call. ``namespaces=False`` forces the fallback (rlimits and a process group).
    ``zygote``: fork children from this :class:`grader.zygote.Zygote` (torch already
    imported) instead of starting ``unshare python -I`` each time; None takes the process's
    default (:func:`use_zygote`, set by batch workers), False never does. Children get the
    same confinement either way; without namespaces there is no zygote.
    Failures come back as outcome records with a ``kind`` (see grader.subject.FAILURE_KINDS).
    """

    mode = "isolated"

    def __init__(self, impl_dir: Path, probes_dir: Path, label: str | None = None,
                 default_timeout: float = 30.0, *, hide_paths: Sequence[Path] | None = None,
                 limits: SandboxLimits | None = None, preload: Sequence[str] = ("numpy", "torch"),
                 namespaces: bool | None = None, zygote: Zygote | bool | None = None):
        super().__init__(impl_dir, probes_dir, label)
        self.default_timeout = float(default_timeout)
        self.limits = limits or SandboxLimits()
        self.preload = list(preload)
        self.namespaces, uid_ok = os_support(namespaces)
        self.slot, self._slot_fd = _acquire_slot()
        self.uid = SANDBOX_UID_BASE + self.slot if uid_ok else None
        hide = default_hide_paths(self.probes_dir) if hide_paths is None else list(hide_paths)
        self.hide_paths = [p.resolve() for p in hide if not _protected(p)]
        if zygote is None:
            zygote = process_zygote()
        self.zygote = zygote if isinstance(zygote, Zygote) and self.namespaces else None
        if self.zygote is not None:
            self.hide_paths.append(self.zygote.dir)
        self.last_output = ""
        self._import_failures: dict[str, dict[str, Any]] = {}
        self._timeouts: dict[str, int] = {}
        self._child: _Child | None = None
        self._make_sandbox()
        self._finalizer = weakref.finalize(self, _cleanup, self._holder, self.sandbox,
                                           self._slot_fd)
        if any((self.sandbox / "submission").iterdir()):
            self._spawn()  # start importing torch now, while the grader gets ready

    # ----------------------------------------------------------------- set-up
    @property
    def protections(self) -> list[str]:
        """The protections active for this subject's child, in words."""
        return describe_protections(self.namespaces, self.uid, self.limits)

    def _make_sandbox(self) -> None:
        base = Path(tempfile.gettempdir()) / "gradspec-sandboxes"
        base.mkdir(mode=0o711, exist_ok=True)
        for stale in base.glob(f"sb-{self.slot}-*"):  # left by a grader that was killed
            shutil.rmtree(stale, ignore_errors=True)
        self.sandbox = Path(tempfile.mkdtemp(prefix=f"sb-{self.slot}-", dir=base)).resolve()
        self.sandbox.chmod(0o755)
        self.hide_paths.append(base)
        install_runtime(self.sandbox / "runtime")
        copy_tree_safely(self.impl_dir, self.sandbox / "submission")
        copy_tree_safely(self.probes_dir, self.sandbox / "probes")
        self.rw_dir = self.sandbox / "rw"
        self.rw_dir.mkdir()
        if not self.namespaces:  # with namespaces the child mounts a tmpfs here itself
            for sub in ("home", "tmp", "work"):
                (self.rw_dir / sub).mkdir()
                if self.uid is not None:
                    os.chown(self.rw_dir / sub, self.uid, self.uid)
            self.rw_dir.chmod(0o755)
        self._holder: list[_Child | None] = [None]

    def _config(self, fds: dict[str, int | None]) -> dict[str, Any]:
        lim = self.limits
        rlimits = {"cpu": lim.cpu_seconds, "fsize": lim.file_size, "nofile": lim.open_files,
                   "core": 0}
        if lim.memory is not None and not _cuda_present():
            rlimits["as"] = lim.memory
        if self.uid is not None:
            rlimits["nproc"] = lim.processes
        return {
            "sandbox": str(self.sandbox),
            "impl_dir": str(self.sandbox / "submission"),
            "probes_dir": str(self.sandbox / "probes"),
            "rw_dir": str(self.rw_dir),
            "rw_size": lim.writable_size,
            "work": str(self.rw_dir / "work"),
            "namespaces": self.namespaces,
            "hide": [str(p) for p in self.hide_paths],
            "expose": python_paths(),
            "uid": self.uid,
            "gid": self.uid,
            "rlimits": rlimits,
            "fds": fds,
            "preload": self.preload,
        }

    def _env(self) -> dict[str, str]:
        return sandbox_env(str(self.rw_dir / "home"), str(self.rw_dir / "tmp"))

    def _spawn(self) -> None:
        """Start a child (without waiting for it to be ready)."""
        if self.zygote is not None:
            try:
                return self._spawn_from_zygote(self.zygote)
            except ZygoteError:
                self.zygote = None  # it died: this subject goes on the plain path
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        status_r, status_w = os.pipe() if self.namespaces else (None, None)
        fds = {"req": req_r, "resp": resp_w, "status": status_w}
        config_path = self.sandbox / "runtime" / f"config-{time.monotonic_ns()}.json"
        config_path.write_text(json.dumps(self._config(fds)))
        cmd = boot_argv(self.sandbox / "runtime", "child", str(config_path))
        if self.namespaces:
            cmd = [shutil.which("unshare") or "unshare", *NAMESPACE_FLAGS, *cmd]
        passed = tuple(fd for fd in fds.values() if fd is not None)
        try:
            proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                pass_fds=passed, env=self._env(), cwd=str(self.sandbox), start_new_session=True,
                preexec_fn=die_with_parent)
        finally:
            for fd in passed:
                os.close(fd)
        self._child = _Child(proc, req_w, resp_r, status_r)
        self._holder[0] = self._child

    def _spawn_from_zygote(self, zygote: Zygote) -> None:
        """The same child, forked by the zygote into fresh namespaces (grader.runtime.zygote)."""
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        status_r, status_w = os.pipe()
        out_r, out_w = os.pipe()
        request = {"config": self._config({"req": None, "resp": None, "status": None}),
                   "env": self._env(), "cwd": str(self.sandbox),
                   "runtime": str(self.sandbox / "runtime")}
        try:
            proc = zygote.spawn(request, (req_r, resp_w, status_w, out_w))
        except BaseException:
            for fd in (req_w, resp_r, status_r, out_r):
                os.close(fd)
            raise
        finally:
            for fd in (req_r, resp_w, status_w, out_w):
                os.close(fd)
        self._child = _Child(proc, req_w, resp_r, status_r, out_r)
        self._holder[0] = self._child

    def _ready_child(self) -> _Child:
        if self._child is None:
            self._spawn()
        child = self._child
        assert child is not None
        if not child.ready:
            reply, problem = self._exchange(child, None, self.limits.start_timeout, False)
            if problem is not None or not isinstance(reply, dict) or not reply.get("ready"):
                detail = problem["message"] if problem else f"unexpected first frame {reply!r}"
                self._discard_child(respawn=False)
                raise SandboxError(f"the sandbox child did not start ({detail}); "
                                   f"its output: {self.last_output[-2000:]!r}")
            child.ready = True
        return child

    def _discard_child(self, respawn: bool = True) -> None:
        if self._child is not None:
            self._child.kill()
        self._child = None
        self._holder[0] = None
        if respawn:
            self._spawn()

    # -------------------------------------------------------------- exchanges
    def _exchange(self, child: _Child, message: dict[str, Any] | None, timeout: float,
                  respawn: bool = True) -> tuple[Any, dict[str, Any] | None]:
        """Send ``message`` (None: just read) and read one reply before the deadline.

        Returns (reply, None) or (None, failure record); on failure the child is dead.
        """
        deadline = time.monotonic() + timeout
        out = bytearray()
        flooded = False
        pending = memoryview(b"")
        if message is not None:
            pending = memoryview(framing.pack(wire.encode(message)))
        sel = selectors.DefaultSelector()
        sel.register(child.resp_r, selectors.EVENT_READ, "resp")
        sel.register(child.out_r, selectors.EVENT_READ, "out")
        if pending:
            sel.register(child.req_w, selectors.EVENT_WRITE, "req")
        total_out = 0
        problem: dict[str, Any] | None = None
        reply: Any = None
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    problem = _failure("timeout", f"no answer within {timeout:g} s of wall-clock "
                                       "time; the sandbox was stopped (SIGKILL)")
                    break
                for key, _ in sel.select(remaining):
                    if key.data == "req":
                        try:
                            sent = os.write(child.req_w, pending)
                        except BlockingIOError:
                            continue
                        except BrokenPipeError:
                            sel.unregister(child.req_w)
                            pending = memoryview(b"")
                            continue
                        pending = pending[sent:]
                        if not pending:
                            sel.unregister(child.req_w)
                    elif key.data == "out":
                        chunk = _read_some(child.out_r)
                        if chunk is None:
                            sel.unregister(child.out_r)
                            continue
                        total_out += len(chunk)
                        room = self.limits.output_capture - len(out)
                        if room > 0:
                            out += chunk[:room]
                        if total_out > self.limits.output_flood:
                            flooded = True
                    else:
                        chunk = _read_some(child.resp_r)
                        if chunk is None:
                            problem = self._ended(child)
                            while (more := _read_some(child.out_r)):
                                out += more[:max(0, self.limits.output_capture - len(out))]
                                total_out += len(more)
                            break
                        child.buffer += chunk
                        reply, problem = self._take_frame(child)
                if flooded:
                    problem = _failure("output-limit", f"printed more than "
                                       f"{self.limits.output_flood >> 10} KiB; the sandbox was "
                                       "stopped")
                if problem is not None or reply is not None:
                    break
        except BaseException:  # interrupted (a pytest timeout, Ctrl-C): the stream is unusable
            self._discard_child(respawn=respawn)
            raise
        finally:
            sel.close()
            self.last_output = _tail_text(bytes(out), total_out, self.limits.output_capture)
        if problem is not None:
            if problem["kind"] in ("crashed",) and _looks_like_memory(self.last_output):
                problem["kind"] = "memory"
            if self.last_output and problem["kind"] != "protocol":
                problem["message"] += "\n  output of your code:\n" + _indent(self.last_output)
            self._discard_child(respawn=respawn)
        return reply, problem

    def _take_frame(self, child: _Child) -> tuple[Any, dict[str, Any] | None]:
        try:
            frame = framing.take_frame(child.buffer, self.limits.max_answer)
        except ValueError as exc:
            return None, _failure("protocol", str(exc))
        if frame is None:
            return None, None
        try:
            return wire.decode(frame), None
        except (wire.WireError, ValueError, TypeError, RuntimeError) as exc:
            return None, _failure("protocol", f"garbage on the grader's pipe ({exc})")

    def _ended(self, child: _Child) -> dict[str, Any]:
        how, number = child.end_status()
        if how == "signal":
            name = _signal_name(number)
            if number == signal.SIGXCPU:
                return _failure("timeout", f"CPU time limit of {self.limits.cpu_seconds} s "
                                "reached (killed by SIGXCPU)")
            return _failure("crashed", f"the sandbox process was killed by signal {number} "
                            f"({name})")
        if how == "exit":
            return _failure("exited", f"the process exited with code {number} "
                            "(os._exit, sys.exit in a thread, or a fatal error)")
        return _failure("protocol", "the child closed the grader's pipe")

    def _request(self, child: _Child, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        message["id"] = child.next_id
        child.next_id += 1
        reply, problem = self._exchange(child, message, timeout)
        if problem is not None:
            return problem
        outcome = reply.get("outcome") if isinstance(reply, dict) else None
        if (not isinstance(outcome, dict) or reply.get("id") != message["id"]
                or "ok" not in outcome):
            self._discard_child(respawn=True)
            return _failure("protocol", "an answer that does not match the request came back "
                            "on the grader's pipe")
        return outcome

    # ---------------------------------------------------------------- probing
    def _run(self, probe: str, inputs: dict[str, Any], timeout: float | None) -> dict[str, Any]:
        module, _ = probes.split_probe(probe)
        timeout = float(timeout or self.default_timeout)
        if module in self._import_failures:
            return self._import_failures[module]
        copy = self.sandbox / "submission"
        if not (copy / f"{module}.py").is_file() and not (copy / module / "__init__.py").is_file():
            missing = _failure("missing-module", f"the submission has no {module}.py")
            self._import_failures[module] = missing
            return missing
        if self._timeouts.get(probe, 0) >= TIMEOUTS_BEFORE_FAST_FAIL:
            return _failure("timeout", f"not run: {probe} already timed out "
                            f"{self._timeouts[probe]} times in this run, so later calls fail "
                            "at once")
        child = self._ready_child()
        if module not in child.imported:
            outcome = self._request(child, {"op": "import", "module": module}, timeout)
            if not outcome.get("ok"):
                outcome = self._scrub(outcome)
                if outcome["kind"] not in ("missing-module", "import-error"):
                    outcome["message"] = f"while importing {module}: {outcome['message']}"
                self._import_failures[module] = outcome
                return outcome
            child.imported.add(module)
        outcome = self._request(child, {"op": "call", "probe": probe, "inputs": inputs}, timeout)
        if not outcome.get("ok") and outcome.get("kind") == "timeout":
            self._timeouts[probe] = self._timeouts.get(probe, 0) + 1
        return self._scrub(outcome) if not outcome.get("ok") else outcome

    def _scrub(self, outcome: dict[str, Any]) -> dict[str, Any]:
        """Sandbox paths out of messages, so the same submission gives the same report."""
        swaps = [(str(self.sandbox / "submission") + os.sep, ""),
                 (str(self.sandbox / "probes") + os.sep, "probes/"),
                 (str(self.sandbox), "<sandbox>")]
        clean = dict(outcome)
        for key in ("message", "traceback"):
            text = str(clean.get(key, ""))
            for old, new in swaps:
                text = text.replace(old, new)
            clean[key] = text
        return clean

    def close(self) -> None:
        """Kill the child, delete the sandbox folder, free the slot."""
        self._finalizer()


def _read_some(fd: int) -> bytes | None:
    """What is available on a non-blocking pipe (b"" if nothing yet), None at end of file."""
    try:
        data = os.read(fd, 1 << 16)
    except BlockingIOError:
        return b""
    except OSError:
        return None
    return data or None


def _tail_text(out: bytes, total: int, cap: int) -> str:
    text = out.decode("utf-8", errors="replace")
    if total > len(out):
        text += f"\n[... output truncated: {total} bytes in all, {cap} kept]"
    return text


def _indent(text: str, limit: int = 2000) -> str:
    if len(text) > limit:
        text = text[:limit] + "\n[...]"
    return "\n".join("    " + line for line in text.rstrip().splitlines())


def _looks_like_memory(output: str) -> bool:
    return any(w in output for w in ("bad_alloc", "MemoryError", "Cannot allocate memory",
                                     "out of memory"))


def _cleanup(holder: list[_Child | None], sandbox: Path, slot_fd: int) -> None:
    child = holder[0]
    if child is not None:
        child.kill()
        holder[0] = None
    shutil.rmtree(sandbox, ignore_errors=True)
    try:
        os.close(slot_fd)
    except OSError:
        pass
