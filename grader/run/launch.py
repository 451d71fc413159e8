"""How the grader starts the pytest run of one submission.

:class:`FreshPytest` starts a new interpreter each time (``python -m pytest``): simplest, used
by ``grader run``. :class:`ForkedPytest` imports the heavy modules once (torch, numpy, pytest,
the plugin) and forks a child per run, so a batch worker pays those imports once rather than
per submission. Both run only the trusted grader side: student code never runs in either, and
the child's own sandbox children are started fresh as usual.
"""

from __future__ import annotations

import importlib
import multiprocessing.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Protocol

from grader import settings
from grader.runtime.confinement import die_with_parent

#: What a warm parent imports before forking: imports only, no computation, so no thread
#: pool has started (forking after torch has run parallel work is unsafe).
WARM_MODULES = ("numpy", "torch", "torch._dynamo", "torch.optim", "pytest", "xdist",
                "pytest_timeout", "grader.plugin", "grader.sandbox", "grader.subject")


class PytestLauncher(Protocol):
    def run(self, args: list[str], *, cwd: Path, env: dict[str, str],
            timeout: float) -> tuple[int | None, str]:
        """Run pytest with ``args``; (exit code, or None past ``timeout``; its output)."""
        ...


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)  # sandbox children die with it (parent-death signal)
    except ProcessLookupError:
        pass


class FreshPytest:
    """``python -m pytest`` in a new process group."""

    def run(self, args: list[str], *, cwd: Path, env: dict[str, str],
            timeout: float) -> tuple[int | None, str]:
        proc = subprocess.Popen([sys.executable, "-m", "pytest", *args], cwd=cwd, env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            log, _ = proc.communicate(timeout=timeout)
            return proc.returncode, log.decode(errors="replace")
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid)
            log, _ = proc.communicate()
            return None, log.decode(errors="replace")


class ForkedPytest:
    """pytest in a forked child of a process that already imported :data:`WARM_MODULES`.

    Only for a single-threaded parent (a batch worker): fork copies one thread only. Its
    runs share a memo folder (:mod:`grader.memo`): the suite's oracles are computed once per
    worker, not once per submission.
    """

    def __init__(self, modules: tuple[str, ...] = WARM_MODULES):
        for name in modules:
            try:
                importlib.import_module(name)
            except ImportError:
                pass
        self.memo = Path(tempfile.mkdtemp(prefix="gradspec-memo-"))  # mode 0700
        # Removed when the launcher is collected or its process ends: multiprocessing's
        # finalizers run at interpreter exit (atexit) and also as a pool's worker process
        # ends, which skips atexit handlers.
        multiprocessing.util.Finalize(self, _remove_memo, args=(self.memo, os.getpid()),
                                      exitpriority=1)

    def run(self, args: list[str], *, cwd: Path, env: dict[str, str],
            timeout: float) -> tuple[int | None, str]:
        env = dict(env, **{settings.MEMO_DIR.env: str(self.memo)})
        with tempfile.TemporaryFile() as log:
            sys.stdout.flush()
            sys.stderr.flush()
            parent = os.getpid()
            pid = os.fork()
            if pid == 0:  # the child: never returns
                self._child(args, cwd, env, log.fileno(), parent)
            code = self._wait(pid, timeout)
            log.seek(0)
            return code, log.read().decode(errors="replace")

    @staticmethod
    def _child(args: list[str], cwd: Path, env: dict[str, str], log_fd: int,
               parent: int) -> None:
        code = 3
        try:
            os.setsid()
            die_with_parent()  # a grading process that is killed takes its pytest run along
            if os.getppid() != parent:
                return  # it already was: end at once (finally)
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            os.dup2(log_fd, 1)
            os.dup2(log_fd, 2)
            os.chdir(cwd)
            os.environ.clear()
            os.environ.update(env)
            sys.dont_write_bytecode = bool(env.get("PYTHONDONTWRITEBYTECODE"))
            import pytest

            code = int(pytest.main(list(args)))
        except BaseException:  # the child must end here, whatever happened
            import traceback

            traceback.print_exc()
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)

    @staticmethod
    def _wait(pid: int, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status)
            if time.monotonic() > deadline:
                _kill_group(pid)
                os.waitpid(pid, 0)
                return None
            time.sleep(0.02)


def _remove_memo(folder: Path, owner: int) -> None:
    if os.getpid() == owner:  # not from a forked pytest run
        shutil.rmtree(folder, ignore_errors=True)
