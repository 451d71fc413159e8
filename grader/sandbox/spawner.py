"""How a sandbox child is started: the seam between a sandbox and its isolation backend.

A :class:`Spawner` turns a child configuration (what :func:`grader.runtime.child.main`
reads), an environment and a working folder into a running :class:`ChildProcess` whose
pipes the grader holds. Two backends give the same confinement: :class:`UnshareSpawner`
starts ``unshare --net --mount --pid ... python -I`` (or, without namespaces, a plain
``python -I`` in its own process group), :class:`ZygoteSpawner` asks a zygote that already
imported torch to fork the child into fresh namespaces. Another backend (a container, a
microVM) is one more class with a ``spawn`` method.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Protocol

from grader.runtime.confinement import start_next_to_student_code
from grader.sandbox.policy import NAMESPACE_FLAGS
from grader.sandbox.runtime_copy import boot_argv
from grader.sandbox.zygote_client import Zygote, ZygoteProcess


class ChildProcess:
    """One running sandbox process and the grader's ends of its pipes."""

    def __init__(self, proc: subprocess.Popen | ZygoteProcess, req_w: int, resp_r: int,
                 status_r: int | None, out_r: int | None = None):
        self.proc = proc
        self.req_w, self.resp_r, self.status_r = req_w, resp_r, status_r
        if out_r is None:
            out_r = proc.stdout.fileno() if proc.stdout else -1
        self.out_r = out_r
        self.ready = False
        self.cpu_seconds = 0.0  # the whole tree's CPU time, known once it has been reaped
        self.imported: set[str] = set()
        self.next_id = 1
        self.buffer = bytearray()
        for fd in (req_w, resp_r, self.out_r):
            os.set_blocking(fd, False)

    def kill(self) -> None:
        """SIGKILL the whole tree: the namespace's init (everything dies with it) or the group.

        The tree's CPU time is read from /proc just before (a dying init reaps its namespace
        without accounts, so :meth:`wait` alone would miss what its processes used)."""
        proc = self.proc
        if proc.returncode is None:
            self.cpu_seconds = tree_cpu_seconds(proc.pid)
        if isinstance(proc, ZygoteProcess):
            proc.kill()  # its pidfd, and the zygote kills the group
        elif proc.returncode is None:  # not reaped, so its pid and group are still its own
            for kill in (os.killpg, os.kill):  # not Popen.kill: its poll() would reap the
                try:                           # child and lose its CPU time
                    kill(proc.pid, signal.SIGKILL)
                except OSError:
                    pass
        try:
            self.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self.close_fds()

    def wait(self, timeout: float) -> int:
        """Reap the child (raises ``subprocess.TimeoutExpired`` past ``timeout``) and note
        the CPU time of its tree as the kernel counted it (``wait4``: the child and all it
        reaped; a child that ended on its own was reaped all the way down), unless
        :meth:`kill` read more from /proc first. The submission cannot fake either."""
        proc = self.proc
        if isinstance(proc, ZygoteProcess):
            code = proc.wait(timeout=timeout)
            self.cpu_seconds = max(self.cpu_seconds, proc.cpu_seconds)
            return code
        if proc.returncode is not None:
            return proc.returncode
        deadline = time.monotonic() + timeout
        while True:
            try:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere: no figure
                return proc.wait(timeout=0)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                self.cpu_seconds = max(self.cpu_seconds, usage.ru_utime + usage.ru_stime)
                return proc.returncode
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(proc.args, timeout)
            time.sleep(0.005)

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
            self.wait(timeout=5)
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


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds of the process ``root`` and every live descendant, each with what it
    reaped (user + system, and the same of reaped children: /proc/PID/stat fields 14-17)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, seen, todo = 0, set(), [root]
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            total += sum(int(f) for f in fields[11:15])
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return total / tick


class Spawner(Protocol):
    """Starts one sandbox child (without waiting for it to be ready)."""

    def spawn(self, config: dict[str, Any], env: dict[str, str], sandbox: Path) -> ChildProcess:
        """``config`` lacks ``fds`` (the spawner adds them); ``sandbox`` holds ``runtime/``."""
        ...


class UnshareSpawner:
    """``unshare ... python -I`` over the sandbox's runtime copy; a process group only when
    ``namespaces`` is False."""

    def __init__(self, namespaces: bool):
        self.namespaces = namespaces

    def spawn(self, config: dict[str, Any], env: dict[str, str], sandbox: Path) -> ChildProcess:
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        status_r, status_w = os.pipe() if self.namespaces else (None, None)
        fds = {"req": req_r, "resp": resp_w, "status": status_w}
        config_path = sandbox / "runtime" / f"config-{time.monotonic_ns()}.json"
        config_path.write_text(json.dumps(dict(config, fds=fds)))
        cmd = boot_argv(sandbox / "runtime", "child", str(config_path))
        if self.namespaces:
            cmd = [shutil.which("unshare") or "unshare", *NAMESPACE_FLAGS, *cmd]
        passed = tuple(fd for fd in fds.values() if fd is not None)
        try:
            proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                pass_fds=passed, env=env, cwd=str(sandbox), start_new_session=True,
                preexec_fn=start_next_to_student_code)
        finally:
            for fd in passed:
                os.close(fd)
        return ChildProcess(proc, req_w, resp_r, status_r)


class ZygoteSpawner:
    """The same child, forked by a :class:`Zygote` into fresh namespaces
    (:mod:`grader.runtime.zygote`); raises :class:`grader.sandbox.zygote_client.ZygoteError`
    when the zygote is gone."""

    def __init__(self, zygote: Zygote):
        self.zygote = zygote

    def spawn(self, config: dict[str, Any], env: dict[str, str], sandbox: Path) -> ChildProcess:
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        status_r, status_w = os.pipe()
        out_r, out_w = os.pipe()
        request = {"config": dict(config, fds={"req": None, "resp": None, "status": None}),
                   "env": env, "cwd": str(sandbox), "runtime": str(sandbox / "runtime")}
        try:
            proc = self.zygote.spawn(request, (req_r, resp_w, status_w, out_w))
        except BaseException:
            for fd in (req_w, resp_r, status_r, out_r):
                os.close(fd)
            raise
        finally:
            for fd in (req_r, resp_w, status_w, out_w):
                os.close(fd)
        return ChildProcess(proc, req_w, resp_r, status_r, out_r)
