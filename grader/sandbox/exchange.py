"""One request and its answer across a child's pipes, under a wall-clock deadline.

The grader writes the request frame, reads the answer frame and captures the child's output
(capped; a flood stops the child) with one ``select`` loop, and turns every way the child can
fail to answer into a failure record: timeout, crash (by signal), exit, output flood, memory
exhaustion, garbage on the pipe.
"""

from __future__ import annotations

import os
import selectors
import signal
import time
from typing import Any

from grader.runtime import framing, wire
from grader.runtime.outcome import Failure, FailureKind
from grader.sandbox.policy import SandboxLimits
from grader.sandbox.spawner import ChildProcess

_MEMORY_WORDS = ("bad_alloc", "MemoryError", "Cannot allocate memory", "out of memory")


def failure(kind: FailureKind, message: str) -> dict[str, Any]:
    """A failure record of the sandbox itself (no exception of the student's behind it)."""
    return Failure(kind, message).to_wire()


def exchange(child: ChildProcess, message: dict[str, Any] | None, timeout: float,
             limits: SandboxLimits) -> tuple[Any, dict[str, Any] | None, str]:
    """Send ``message`` (None: just read) and read one reply before the deadline.

    Returns (reply, None, output) or (None, failure record, output); after a failure the
    child is unusable. Anything raised here (a pytest timeout, Ctrl-C) leaves the stream
    unusable too: the caller discards the child.
    """
    deadline = time.monotonic() + timeout
    out = bytearray()
    total_out = 0
    flooded = False
    pending = memoryview(framing.pack(wire.encode(message)) if message is not None else b"")
    sel = selectors.DefaultSelector()
    sel.register(child.resp_r, selectors.EVENT_READ, "resp")
    sel.register(child.out_r, selectors.EVENT_READ, "out")
    if pending:
        sel.register(child.req_w, selectors.EVENT_WRITE, "req")
    problem: dict[str, Any] | None = None
    reply: Any = None
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                problem = failure(FailureKind.TIMEOUT, f"no answer within {timeout:g} s of "
                                  "wall-clock time; the sandbox was stopped (SIGKILL)")
                break
            for key, _ in sel.select(remaining):
                if key.data == "req":
                    try:
                        sent = _write_some(child.req_w, pending)
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
                    room = limits.output_capture - len(out)
                    if room > 0:
                        out += chunk[:room]
                    if total_out > limits.output_flood:
                        flooded = True
                else:
                    chunk = _read_some(child.resp_r)
                    if chunk is None:
                        problem = ended(child, limits)
                        while (more := _read_some(child.out_r)):
                            out += more[:max(0, limits.output_capture - len(out))]
                            total_out += len(more)
                        break
                    child.buffer += chunk
                    reply, problem = _take_reply(child, limits)
            if flooded:
                problem = failure(FailureKind.OUTPUT_LIMIT, f"printed more than "
                                  f"{limits.output_flood >> 10} KiB; the sandbox was stopped")
            if problem is not None or reply is not None:
                break
    finally:
        sel.close()
    output = _tail_text(bytes(out), total_out, limits.output_capture)
    if problem is not None:
        if problem["kind"] == FailureKind.CRASHED and any(w in output for w in _MEMORY_WORDS):
            problem["kind"] = FailureKind.MEMORY.value
        if output and problem["kind"] != FailureKind.PROTOCOL:
            problem["message"] += "\n  output of your code:\n" + _indent(output)
    return reply, problem, output


def _take_reply(child: ChildProcess, limits: SandboxLimits) -> tuple[Any, dict[str, Any] | None]:
    try:
        frame = framing.take_frame(child.buffer, limits.max_answer)
    except ValueError as exc:
        return None, failure(FailureKind.PROTOCOL, str(exc))
    if frame is None:
        return None, None
    try:
        return wire.decode(frame), None
    except (wire.WireError, ValueError, TypeError, RuntimeError) as exc:
        return None, failure(FailureKind.PROTOCOL, f"garbage on the grader's pipe ({exc})")


def ended(child: ChildProcess, limits: SandboxLimits) -> dict[str, Any]:
    """Why a child that closed its answer pipe is gone, as a failure record."""
    how, number = child.end_status()
    if how == "signal":
        if number == signal.SIGXCPU:
            return failure(FailureKind.TIMEOUT, f"CPU time limit of {limits.cpu_seconds} s reached "
                           "(killed by SIGXCPU)")
        return failure(FailureKind.CRASHED, f"the sandbox process was killed by signal {number} "
                       f"({_signal_name(number)})")
    if how == "exit":
        return failure(FailureKind.EXITED, f"the process exited with code {number} "
                       "(os._exit, sys.exit in a thread, or a fatal error)")
    return failure(FailureKind.PROTOCOL, "the child closed the grader's pipe")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _write_some(fd: int, data: memoryview) -> int:
    try:
        return os.write(fd, data)
    except BlockingIOError:
        return 0


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
