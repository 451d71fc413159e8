"""The sandbox child: serves probe calls from the grader over a private pipe.

Started by :class:`grader.sandbox.IsolatedSubject` as ``python -I`` from a copy of the
:mod:`grader.runtime` package (it never needs the repository), with a JSON configuration
file. It imports only the standard library and that package; student code runs here and
nowhere else.

In a PID namespace this process is PID 1: it confines the file system as root, forks the
worker that drops privileges and serves, reaps orphans, and reports the worker's end on a
status pipe the worker does not hold. Requests and responses are :mod:`.wire` frames
prefixed by their length; stdout and stderr belong to the student and are captured by the
parent.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from grader.runtime import confinement, framing, probes, wire
from grader.runtime.outcome import Failure, FailureKind


def recv(fd: int) -> Any:
    """One decoded request, or None when the grader closed the pipe."""
    try:
        body = framing.read_frame(fd, wire.MAX_FRAME_BYTES)
    except ValueError:
        raise wire.WireError("request too large") from None
    return None if body is None else wire.decode(body)


def send(fd: int, message: Any) -> None:
    """Write one frame, falling back to a failure record if ``message`` cannot be encoded."""
    try:
        frame = wire.encode(message)
    except BaseException as exc:  # a WireError, or a hostile object deep in torch
        outcome = Failure(FailureKind.UNSUPPORTED,
                          f"the result could not be sent back: {str(exc)[:500]}",
                          type(exc).__name__)
        frame = wire.encode({"id": message.get("id"), "outcome": outcome.to_wire()})
    framing.write_frame(fd, frame)


def handle(request: dict[str, Any], impl_dir: Path, probes_dir: Path) -> dict[str, Any]:
    """Run one request (``import`` or ``call``) and return its outcome record."""
    op = request.get("op")
    if op == "import":
        try:
            return probes.import_only(impl_dir, str(request["module"]))
        except BaseException as exc:  # KeyboardInterrupt and the like, escaped the runner
            return probes.failure_from(FailureKind.IMPORT_ERROR, exc)
    if op == "call":
        try:
            return probes.execute(impl_dir, probes_dir, str(request["probe"]),
                                  dict(request["inputs"]))
        except BaseException as exc:
            return probes.failure_from(FailureKind.EXCEPTION, exc)
    return Failure(FailureKind.PROTOCOL, f"unknown request {str(op)[:40]!r}").to_wire()


def serve(config: dict[str, Any]) -> None:
    """Answer requests until the grader closes the pipe."""
    req_fd, resp_fd = config["fds"]["req"], config["fds"]["resp"]
    impl_dir, probes_dir = Path(config["impl_dir"]), Path(config["probes_dir"])
    send(resp_fd, {"id": 0, "ready": True})
    while True:
        request = recv(req_fd)
        if request is None:
            return
        outcome = handle(request, impl_dir, probes_dir)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        send(resp_fd, {"id": request.get("id"), "outcome": outcome})


def worker(config: dict[str, Any]) -> None:
    """Confine this process, then serve; never returns."""
    code = 0
    try:
        if config["fds"].get("status") is not None:
            os.close(config["fds"]["status"])
        confinement.apply_rlimits(config["rlimits"])
        confinement.first_to_kill_when_out_of_memory()
        if config.get("uid") is not None:
            confinement.drop_privileges(int(config["uid"]), int(config["gid"]))
        confinement.no_new_privileges()
        os.chdir(config["work"])
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        for name in config.get("preload", []):
            try:
                __import__(name)
            except ImportError:
                pass
        serve(config)
    except BaseException as exc:  # student code that escaped into the loop, or a broken pipe
        print(f"gradspec child: {type(exc).__name__}: {exc}", file=sys.stderr)
        code = 70
    finally:
        os._exit(code)


def init(config: dict[str, Any]) -> int:
    """PID 1 of the namespace: confine, fork the worker, reap, report how the worker ended."""
    confinement.confine_filesystem(config["sandbox"], config["hide"], config["expose"],
                              config["rw_dir"], config["rw_size"], config.get("uid"),
                              config.get("gid"))
    pid = os.fork()
    if pid == 0:
        worker(config)
    os.close(config["fds"]["req"])
    os.close(config["fds"]["resp"])
    while True:
        done, status = os.waitpid(-1, 0)
        if done == pid:
            break
    if os.WIFSIGNALED(status):
        report = f"signal {os.WTERMSIG(status)}\n"
    else:
        report = f"exit {os.WEXITSTATUS(status)}\n"
    os.write(config["fds"]["status"], report.encode())
    return 0


def main(config_path: str) -> int:
    config = json.loads(Path(config_path).read_text())
    if config["namespaces"]:
        return init(config)
    worker(config)
    return 0  # not reached
