"""The grader's handle on the zygote (:mod:`grader.runtime.zygote`): start it, ask it for
children.

A batch worker starts one :class:`Zygote` before it grades anything; every sandbox child of
that worker is then forked from a clean interpreter that already imported torch, instead of
paying the import per submission. The zygote is a freshly exec'd ``python -I`` with a
scrubbed environment and a private folder: nothing of the grader reaches it but a request's
configuration, the same one the ``unshare`` path writes into the sandbox.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from grader.runtime.confinement import die_with_parent
from grader.sandbox.policy import cuda_present, os_support, sandbox_env
from grader.sandbox.runtime_copy import boot_argv, install_runtime

#: What the zygote imports before it forks anything (imports only: no thread pool starts).
ZYGOTE_PRELOAD = ("numpy", "torch", "torch._dynamo")
_PREFIX = "gradspec-zygote-"


class ZygoteError(RuntimeError):
    """The zygote could not fork a child (it died, or refused): use the plain path."""


class ZygoteProcess:
    """A child forked by the zygote, seen from the grader: kill it, wait for its end.

    ``pid`` is C1's host pid; killing goes through a pidfd (no pid-reuse race) and through
    the zygote, its parent, which also kills C1's process group and reports the wait status.
    """

    stdout = None

    def __init__(self, conn: socket.socket, pid: int, pidfd: int):
        self.conn, self.pid, self.pidfd = conn, pid, pidfd
        self.returncode: int | None = None
        self.cpu_seconds = 0.0  # C1's and its reaped descendants', as the zygote's wait4 saw

    def kill(self) -> None:
        if self.returncode is not None:
            return
        try:
            if self.pidfd >= 0:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
        except OSError:
            pass
        try:
            self.conn.send(b"kill")
        except OSError:
            pass

    def poll(self) -> int | None:
        return self.returncode if self.returncode is not None else self._read(0.0)

    def wait(self, timeout: float | None = None) -> int:
        """C1's return code (negative: killed by that signal), as ``Popen.wait`` gives it."""
        if self.returncode is None and self._read(timeout) is None:
            raise subprocess.TimeoutExpired(f"sandbox child {self.pid}", timeout or 0.0)
        assert self.returncode is not None
        return self.returncode

    def _read(self, timeout: float | None) -> int | None:
        try:
            self.conn.settimeout(timeout)
            data = self.conn.recv(64)
        except (TimeoutError, BlockingIOError):
            return None
        except OSError:
            data = b""
        words = data.decode(errors="replace").split()
        if len(words) == 3 and words[0] == "status" and words[1].lstrip("-").isdigit():
            self.returncode = os.waitstatus_to_exitcode(int(words[1]))
            try:
                self.cpu_seconds = max(0.0, float(words[2]))
            except ValueError:
                pass
        else:  # the zygote died before telling: it took C1 with it
            self.returncode = -signal.SIGKILL
        return self.returncode

    def close(self) -> None:
        self.conn.close()
        if self.pidfd >= 0:
            os.close(self.pidfd)
            self.pidfd = -1


class Zygote:
    """A running zygote process and the socket that reaches it (one per batch worker).

    It runs a copy of :mod:`grader.runtime` in its private folder; ``env`` is its whole
    environment (the sandbox's, without per-child folders).
    """

    proc: subprocess.Popen | None

    def __init__(self, env: Mapping[str, str], preload: Sequence[str] = ZYGOTE_PRELOAD):
        _remove_stale(Path(tempfile.gettempdir()))
        self.dir = Path(tempfile.mkdtemp(prefix=_PREFIX)).resolve()  # mode 0700
        install_runtime(self.dir / "runtime")
        for sub in ("home", "tmp", "work"):
            (self.dir / sub).mkdir()
        env = dict(env, HOME=str(self.dir / "home"), TMPDIR=str(self.dir / "tmp"))
        self.address = str(self.dir / "socket")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            listener.bind(self.address)
            listener.listen(64)
            with open(self.dir / "zygote.log", "wb") as log:
                self.proc = subprocess.Popen(
                    boot_argv(self.dir / "runtime", "zygote", str(listener.fileno()), *preload),
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    pass_fds=(listener.fileno(),), env=env, cwd=str(self.dir / "work"),
                    start_new_session=True, preexec_fn=die_with_parent)
        finally:
            listener.close()  # the zygote holds it now: connections queue until it is ready
        self._finalizer: weakref.finalize | None = weakref.finalize(
            self, _stop, self.proc, self.dir, os.getpid())

    @classmethod
    def attach(cls, folder: Path) -> Zygote:
        """The zygote another process of this grader started in ``folder`` (``grader run``
        starts it before reading the submission and hands it to its pytest run): its
        children are asked for as usual; it stays the starter's to stop.

        Raises :class:`ZygoteError` unless ``folder`` is a zygote's private folder, owned
        by this user, with its socket.
        """
        folder = Path(folder).resolve()
        try:
            info = folder.stat()
        except OSError as exc:
            raise ZygoteError(f"no zygote folder {folder}: {exc}") from exc
        if (not folder.name.startswith(_PREFIX) or info.st_uid != os.geteuid()
                or info.st_mode & 0o077 or not (folder / "socket").is_socket()):
            raise ZygoteError(f"{folder} is not a zygote's private folder")
        zygote = cls.__new__(cls)
        zygote.dir, zygote.address = folder, str(folder / "socket")
        zygote.proc, zygote._finalizer = None, None
        return zygote

    def spawn(self, request: dict[str, Any], fds: Sequence[int]) -> ZygoteProcess:
        """Fork a child for ``request`` (config, env, cwd, runtime) with these four pipes."""
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            conn.connect(self.address)
            socket.send_fds(conn, [json.dumps(request).encode()], list(fds))
            conn.settimeout(120.0)  # the first request waits for the imports
            data, pidfds, _, _ = socket.recv_fds(conn, 64, 1)
        except OSError as exc:
            conn.close()
            raise ZygoteError(f"the zygote did not answer: {exc}") from exc
        words = data.decode(errors="replace").split()
        if len(words) != 2 or words[0] != "pid" or not words[1].isdigit() or len(pidfds) != 1:
            conn.close()
            for fd in pidfds:
                os.close(fd)
            raise ZygoteError(f"the zygote answered {data[:80]!r}")
        return ZygoteProcess(conn, int(words[1]), pidfds[0])

    def alive(self) -> bool:
        """Whether the zygote still runs: its process, for the process that started it;
        whether its socket still takes a connection, for one attached."""
        if self.proc is not None:
            return self.proc.poll() is None
        return _listening(self.address) is True

    def close(self) -> None:
        """Stop the zygote (its children die with it) and delete its folder; nothing for an
        attached one."""
        if self._finalizer is not None:
            self._finalizer()


def _stop(proc: subprocess.Popen, folder: Path, owner: int) -> None:
    if os.getpid() != owner:  # a forked copy (a pytest run) must not stop its parent's zygote
        return
    try:
        proc.kill()
        proc.wait(timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        pass
    shutil.rmtree(folder, ignore_errors=True)


def _remove_stale(base: Path) -> None:
    """Folders of zygotes that died with a killed batch (nothing listens on their socket)."""
    for folder in base.glob(f"{_PREFIX}*"):
        if _listening(str(folder / "socket")) is False:
            shutil.rmtree(folder, ignore_errors=True)


def _listening(address: str) -> bool | None:
    """Whether a zygote listens on the socket at ``address``: True (it took a connection,
    which it drops, as nothing is sent), False (refused: nobody listens), None (could not
    tell: no socket there, no permission)."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        probe.connect(address)
    except ConnectionRefusedError:
        return False
    except OSError:
        return None
    finally:
        probe.close()
    return True


def start_zygote(preload: Sequence[str] = ZYGOTE_PRELOAD) -> Zygote | None:
    """A zygote for this machine's sandbox children, or None where namespaces are unusable.

    None on a CUDA machine too: CUDA cannot be used in a child forked after the driver was
    initialised, and whether an import does that is not guaranteed: the plain path is safe.
    """
    if not os_support()[0] or cuda_present():
        return None
    return Zygote(sandbox_env("/", "/tmp"), preload)


def attach_or_start(folder: str | Path | None) -> tuple[Zygote | None, ZygoteError | None]:
    """The zygote another process started in ``folder``, attached, where it can be; else one
    of this process's own (:func:`start_zygote`). Also why ``folder`` was refused (None when
    it was used or none was given)."""
    if folder:
        try:
            return Zygote.attach(Path(folder)), None
        except ZygoteError as exc:
            return start_zygote(), exc
    return start_zygote(), None


_process_zygote: list[Zygote | None] = [None]


def use_zygote(zygote: Zygote | None) -> None:
    """Make ``zygote`` the default of every sandbox of this process and of its forks (a batch
    worker's pytest runs); None goes back to the plain path."""
    _process_zygote[0] = zygote


def process_zygote() -> Zygote | None:
    """The zygote set by :func:`use_zygote`, if any."""
    return _process_zygote[0]
