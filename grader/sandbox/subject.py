"""Runs probes in a sandbox child process: the grader never imports student code.

:class:`IsolatedSubject` keeps one persistent child per implementation (importing torch once,
not per call) and talks to it with :mod:`grader.runtime.wire` frames over a private pipe
(:mod:`.exchange`). The parent enforces every deadline: on expiry it SIGKILLs the whole
process tree, which in-process timeouts cannot do (a loop inside one C call, signals
ignored, ``fork``/``setsid``).

Where the OS allows (Linux, root, ``unshare``), the child runs in its own PID, network and
mount namespaces: no network, fresh private ``/tmp``-like folders, the reference, the tests
and the batch's other folders covered by empty tmpfs mounts, and a per-slot unprivileged uid
(:mod:`.policy`, :mod:`.slots`). Elsewhere it falls back to resource limits and a process
group; :attr:`IsolatedSubject.protections` says which protections are active. How the child
is started is a :class:`grader.sandbox.spawner.Spawner`: ``unshare python -I``, or a fork of
the batch worker's zygote (torch already imported).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from grader.intake.submission import copy_tree_safely
from grader.runtime import probes
from grader.runtime.outcome import FailureKind
from grader.sandbox.exchange import exchange, failure
from grader.sandbox.policy import (
    SANDBOX_UID_BASE,
    SandboxLimits,
    cuda_present,
    default_hide_paths,
    describe_protections,
    os_support,
    protected,
    python_paths,
    sandbox_env,
)
from grader.sandbox.runtime_copy import install_runtime
from grader.sandbox.slots import SandboxError, acquire_slot
from grader.sandbox.spawner import ChildProcess, Spawner, UnshareSpawner, ZygoteSpawner
from grader.sandbox.zygote_client import (
    ZYGOTE_PRELOAD,
    Zygote,
    ZygoteError,
    process_zygote,
)
from grader.subject import Subject

#: Once calls into a module (an exercise) have timed out this often, its remaining calls fail
#: at once: a submission that hangs costs seconds per exercise, not a deadline per test.
TIMEOUTS_BEFORE_FAST_FAIL = 2
#: After a module's first timeout, its next calls get at most this many seconds.
DEADLINE_AFTER_A_TIMEOUT = 2.0
#: Once this many modules fail fast, the submission hangs: every other module starts as if
#: it had timed out once (short deadlines, and one more timeout fails it fast), so a
#: submission that hangs everywhere costs two full deadlines, not one per exercise.
HUNG_MODULES_BEFORE_SHORT_DEADLINES = 2
#: Importing a student's module may take this long whatever the call's deadline (heavy
#: imports of its own); a module that hangs at import costs this once, then fails fast.
IMPORT_DEADLINE = 30.0


class IsolatedSubject(Subject):
    """Runs probes in a confined child process, with deadlines enforced from outside.

    ``default_timeout``: wall-clock seconds of a call without ``timeout=``. ``hide_paths``:
    what the child must not see (default: the suite's reference/spec_tests/tests and the
    paths in ``$GRADSPEC_SANDBOX_HIDE``). ``preload``: modules the child imports before the
    first call (default: what a zygote imports, torch's compiler front end among them, which
    torch loads on a first meta-device call). ``namespaces=False`` forces the fallback
    (rlimits and a process group).
    ``zygote``: fork children from this :class:`grader.sandbox.zygote_client.Zygote` (torch
    already imported) instead of starting ``unshare python -I`` each time; None takes the
    process's default (:func:`grader.sandbox.use_zygote`, set by batch workers), False never
    does. Children get the same confinement either way; without namespaces there is no
    zygote. Failures come back as outcome records with a ``kind``.
    """

    def __init__(self, impl_dir: Path, probes_dir: Path, label: str | None = None,
                 default_timeout: float = 30.0, *, hide_paths: Sequence[Path] | None = None,
                 limits: SandboxLimits | None = None, preload: Sequence[str] = ZYGOTE_PRELOAD,
                 namespaces: bool | None = None, zygote: Zygote | bool | None = None):
        super().__init__(impl_dir, probes_dir, label)
        self.default_timeout = float(default_timeout)
        self.limits = limits or SandboxLimits()
        self.preload = list(preload)
        self.namespaces, uid_ok = os_support(namespaces)
        self.slot, self._slot_fd = acquire_slot()
        self.uid = SANDBOX_UID_BASE + self.slot if uid_ok else None
        hide = default_hide_paths(self.probes_dir) if hide_paths is None else list(hide_paths)
        self.hide_paths = [p.resolve() for p in hide if not protected(p)]
        if zygote is None:
            zygote = process_zygote()
        self.zygote = zygote if isinstance(zygote, Zygote) and self.namespaces else None
        if self.zygote is not None:
            self.hide_paths.append(self.zygote.dir)
        self._plain: Spawner = UnshareSpawner(self.namespaces)
        self._spawner: Spawner = (ZygoteSpawner(self.zygote) if self.zygote is not None
                                  else self._plain)
        self.last_output = ""
        self._import_failures: dict[str, dict[str, Any]] = {}
        self._timeouts: dict[str, int] = {}
        self._hang_notes: dict[str, str] = {}  # why a module's deadline was short
        self._child: ChildProcess | None = None
        self._holder: list[ChildProcess | None] = [None]
        self._cpu = [0.0]  # CPU seconds of the children that have ended (see cpu_seconds)
        self._make_sandbox()
        self._finalizer = weakref.finalize(self, _cleanup, self._holder, self._cpu,
                                           self.sandbox, self._slot_fd)
        if self.zygote is None and any((self.sandbox / "submission").iterdir()):
            self._spawn()  # start importing torch now, while the grader gets ready
        # (a zygote's child is forked at the first call: asking for it now would wait for the
        # zygote's own imports, which run while the grader gets ready)

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

    def _config(self) -> dict[str, Any]:
        """What :func:`grader.runtime.child.main` reads (the spawner adds the pipes)."""
        lim = self.limits
        rlimits = {"cpu": lim.cpu_seconds, "fsize": lim.file_size, "nofile": lim.open_files,
                   "core": 0}
        if lim.memory is not None and not cuda_present():
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
            "preload": self.preload,
        }

    def _spawn(self) -> None:
        """Start a child (without waiting for it to be ready)."""
        env = sandbox_env(str(self.rw_dir / "home"), str(self.rw_dir / "tmp"))
        try:
            child = self._spawner.spawn(self._config(), env, self.sandbox)
        except ZygoteError:  # the zygote died: this subject goes on the plain path
            self.zygote, self._spawner = None, self._plain
            child = self._spawner.spawn(self._config(), env, self.sandbox)
        self._child = child
        self._holder[0] = child

    def _ready_child(self) -> ChildProcess:
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

    @property
    def cpu_seconds(self) -> float:
        """CPU time of this subject's sandbox children that have ended (all of them after
        :meth:`close`), from the kernel's accounts: what the submission's code cost."""
        return self._cpu[0]

    def _discard_child(self, respawn: bool = True) -> None:
        if self._child is not None:
            self._child.kill()
            self._cpu[0] += self._child.cpu_seconds
        self._child = None
        self._holder[0] = None
        if respawn:
            self._spawn()

    # -------------------------------------------------------------- exchanges
    def _exchange(self, child: ChildProcess, message: dict[str, Any] | None, timeout: float,
                  respawn: bool = True) -> tuple[Any, dict[str, Any] | None]:
        """(reply, None) or (None, failure record); on failure the child is replaced."""
        try:
            reply, problem, self.last_output = exchange(child, message, timeout, self.limits)
        except BaseException:  # interrupted (a pytest timeout, Ctrl-C): the stream is unusable
            self._discard_child(respawn=respawn)
            raise
        if problem is not None:
            self._discard_child(respawn=respawn)
        return reply, problem

    def _request(self, child: ChildProcess, message: dict[str, Any],
                 timeout: float) -> dict[str, Any]:
        message["id"] = child.next_id
        child.next_id += 1
        reply, problem = self._exchange(child, message, timeout)
        if problem is not None:
            return problem
        outcome = reply.get("outcome") if isinstance(reply, dict) else None
        if (not isinstance(outcome, dict) or reply.get("id") != message["id"]
                or "ok" not in outcome):
            self._discard_child(respawn=True)
            return failure(FailureKind.PROTOCOL, "an answer that does not match the request "
                           "came back on the grader's pipe")
        return outcome

    # ---------------------------------------------------------------- probing
    def _run(self, probe: str, inputs: dict[str, Any], timeout: float | None) -> dict[str, Any]:
        module, _ = probes.split_probe(probe)
        timeout = float(timeout or self.default_timeout)
        if module in self._import_failures:
            return self._import_failures[module]
        copy = self.sandbox / "submission"
        if not (copy / f"{module}.py").is_file() and not (copy / module / "__init__.py").is_file():
            missing = failure(FailureKind.MISSING_MODULE, f"the submission has no {module}.py")
            self._import_failures[module] = missing
            return missing
        timeouts = self._timeouts.get(module, 0)
        if timeouts >= TIMEOUTS_BEFORE_FAST_FAIL:
            return failure(FailureKind.TIMEOUT, f"not run: calls into {module} already timed "
                           f"out {timeouts} times in this run, so its remaining calls fail at "
                           "once")
        hung = [m for m, n in self._timeouts.items() if n >= TIMEOUTS_BEFORE_FAST_FAIL]
        if timeouts == 0 and len(hung) >= HUNG_MODULES_BEFORE_SHORT_DEADLINES:
            timeouts = self._timeouts[module] = TIMEOUTS_BEFORE_FAST_FAIL - 1
            self._hang_notes[module] = (f" ({', '.join(sorted(hung))} had already hung, so "
                                        f"calls into {module} get {DEADLINE_AFTER_A_TIMEOUT:g} "
                                        "s)")
        if timeouts:
            timeout = min(timeout, DEADLINE_AFTER_A_TIMEOUT)
        child = self._ready_child()
        if module not in child.imported:
            outcome = self._request(child, {"op": "import", "module": module},
                                    max(timeout, IMPORT_DEADLINE))
            if not outcome.get("ok"):
                outcome = self._scrub(outcome)
                kind = FailureKind.parse(outcome.get("kind"))
                if kind is None or not kind.at_import:
                    outcome["message"] = f"while importing {module}: {outcome['message']}"
                self._import_failures[module] = outcome
                return outcome
            child.imported.add(module)
        outcome = self._request(child, {"op": "call", "probe": probe, "inputs": inputs}, timeout)
        if not outcome.get("ok") and outcome.get("kind") == FailureKind.TIMEOUT:
            self._timeouts[module] = self._timeouts.get(module, 0) + 1
            outcome = dict(outcome, message=outcome.get("message", "")
                           + self._hang_notes.pop(module, ""))
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


def _cleanup(holder: list[ChildProcess | None], cpu: list[float], sandbox: Path,
             slot_fd: int) -> None:
    child = holder[0]
    if child is not None:
        child.kill()
        cpu[0] += child.cpu_seconds
        holder[0] = None
    shutil.rmtree(sandbox, ignore_errors=True)
    try:
        os.close(slot_fd)
    except OSError:
        pass
