"""The zygote: a clean interpreter, with torch imported once, that forks sandbox children.

Started by :class:`grader.sandbox.zygote_client.Zygote` as ``python -I`` from a copy of the
:mod:`grader.runtime` package, with a scrubbed environment and a neutral working folder: it
never holds grader state, tests, the reference or the grading seed. For each request (a JSON
header and the child's pipes, passed over a unix socket with ``SCM_RIGHTS``) it forks C1, which
enters new mount, network and PID namespaces and forks the namespace's PID 1, C2, which runs
:func:`grader.runtime.child.init` exactly as the ``unshare`` path does. The requester gets C1's
pid and a pidfd (to kill it without a pid-reuse race) and, when C1 ends, its wait status.
Killing C1 kills C2 (parent-death signal) and with it the whole namespace.

Runs next to student code (in the forked children), so it imports the standard library only.
"""

from __future__ import annotations

import json
import os
import select
import selectors
import signal
import socket
import struct
import sys
import tempfile
from typing import Any

from grader.runtime import child, confinement

#: The pipes of one child, in the order a request passes them.
FD_NAMES = ("req", "resp", "status", "out")
MAX_REQUEST = 1 << 20
_CRED = struct.Struct("3i")


def _close_all_but(keep: set[int]) -> None:
    """Close every inherited descriptor (the zygote's socket, other requests' pipes)."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _namespace_init(request: dict[str, Any], fds: dict[str, int], alive_r: int) -> int:
    """C2, PID 1 of the new namespace: the same code as ``unshare ... python -c BOOT``."""
    confinement.die_with_parent()
    if select.select([alive_r], [], [], 0)[0]:  # C1 died before the line above: give up
        return 1
    os.close(alive_r)
    confinement.mount_proc()
    config = dict(request["config"])
    config["fds"] = {"req": fds["req"], "resp": fds["resp"], "status": fds["status"]}
    return child.init(config)


def _first_child(request: dict[str, Any], received: list[int], zygote: int) -> int:
    """C1: a fresh session and environment, new namespaces, then wait for PID 1 there."""
    fds = dict(zip(FD_NAMES, received, strict=True))
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(fds["out"], 1)
    os.dup2(fds["out"], 2)
    os.close(null)
    os.close(fds.pop("out"))
    _close_all_but(set(fds.values()))
    for fd in fds.values():
        os.set_inheritable(fd, True)  # as ``Popen(pass_fds=...)`` leaves them
    os.setsid()
    confinement.die_with_parent()
    confinement.first_to_kill_when_out_of_memory()
    if os.getppid() != zygote:
        return 1
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    tempfile.tempdir = None  # computed again from the child's TMPDIR
    sys.argv = ["-c", request["runtime"]]
    sys.path[0] = request["runtime"]
    confinement.unshare_namespaces()
    alive_r, alive_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            os.close(alive_w)
            code = _namespace_init(request, fds, alive_r)
        except BaseException as exc:
            print(f"gradspec zygote child: {type(exc).__name__}: {exc}", file=sys.stderr)
        finally:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except BaseException:
                    pass
            os._exit(code)
    os.close(alive_r)
    for fd in fds.values():  # only the namespace may hold the grader's pipes
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):  # end as the namespace's init ended, like ``unshare --fork``
        number = os.WTERMSIG(status)
        signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
        return 128 + number
    return os.WEXITSTATUS(status)


def fork_child(request: dict[str, Any], received: list[int]) -> int:
    """Fork C1 for one request; returns its pid (the caller closes ``received``)."""
    zygote = os.getpid()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            code = _first_child(request, received, zygote)
        except BaseException as exc:
            try:
                print(f"gradspec zygote: {type(exc).__name__}: {exc}", file=sys.stderr)
                sys.stderr.flush()
            except BaseException:
                pass
        finally:
            os._exit(code)
    return pid


def _receive(conn: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """One request from a peer running as this zygote's own user."""
    fds: list[int] = []
    try:
        pid, uid, gid = _CRED.unpack(conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                     _CRED.size))
        data, fds, _, _ = socket.recv_fds(conn, MAX_REQUEST, len(FD_NAMES))
        if uid != os.getuid():
            raise PermissionError(f"request from uid {uid}")
        if len(fds) != len(FD_NAMES):
            raise ValueError(f"{len(fds)} descriptors came with the request")
        request = json.loads(data)
        if not isinstance(request, dict):
            raise ValueError("the request is not an object")
        return request, fds
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise


def _kill_tree(pid: int) -> None:
    """C1 is not reaped yet, so its pid (and process group) cannot have been reused."""
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except OSError:
            pass


def serve(listener: socket.socket) -> None:
    """Fork a child per connection; report its end; kill it when the requester asks or goes."""
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ, ("accept", 0))
    children: dict[int, tuple[socket.socket, int]] = {}
    while True:
        for key, _ in sel.select():
            kind, pid = key.data
            if kind == "accept":
                conn, _ = listener.accept()
                conn.settimeout(10.0)  # a peer that connects and says nothing cannot stall it
                try:
                    request, fds = _receive(conn)
                except (OSError, ValueError, PermissionError) as exc:
                    print(f"gradspec zygote: refused a request: {exc}", file=sys.stderr)
                    conn.close()
                    continue
                pid = 0
                try:
                    pid = fork_child(request, fds)
                    pidfd = os.pidfd_open(pid)
                except OSError as exc:  # out of processes, memory or descriptors
                    print(f"gradspec zygote: could not fork: {exc}", file=sys.stderr)
                    if pid:
                        _kill_tree(pid)
                        os.waitpid(pid, 0)
                    conn.close()
                    continue
                finally:
                    for fd in fds:
                        os.close(fd)
                try:
                    socket.send_fds(conn, [f"pid {pid}".encode()], [pidfd])
                except OSError:
                    _kill_tree(pid)
                children[pid] = (conn, pidfd)
                sel.register(pidfd, selectors.EVENT_READ, ("exit", pid))
                sel.register(conn, selectors.EVENT_READ, ("conn", pid))
            elif kind == "exit":
                _, status, usage = os.wait4(pid, 0)  # C1 and everything it reaped
                conn, pidfd = children.pop(pid)
                sel.unregister(pidfd)
                os.close(pidfd)
                if conn.fileno() in sel.get_map():
                    sel.unregister(conn)
                try:
                    conn.send(f"status {status} {usage.ru_utime + usage.ru_stime:.6f}"
                              .encode())
                except OSError:
                    pass
                conn.close()
            elif pid in children:  # the requester sent "kill" or went away (it died)
                try:
                    key.fileobj.recv(64)  # read it: unread data would reset the connection
                except OSError:           # and lose the status sent when C1 ends
                    pass
                sel.unregister(key.fileobj)
                _kill_tree(pid)


def main(listener_fd: str, *preload: str) -> int:
    """Import the heavy modules once, then serve forever (dies with its parent)."""
    confinement.die_with_parent()
    for name in preload:
        try:
            __import__(name)
        except ImportError:
            pass
    serve(socket.socket(fileno=int(listener_fd)))
    return 0
