"""Sandbox slots: a number no other live sandbox on this machine holds (its uid and folder).

A slot is held by an exclusive ``flock`` on ``$TMPDIR/gradspec-slots/<n>.lock``, released
when its descriptor closes (or its process dies), so concurrent children never share a uid.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path


class SandboxError(RuntimeError):
    """The sandbox itself could not be started (the grader's problem, not the student's)."""


def acquire_slot() -> tuple[int, int]:
    """A free slot number and the descriptor of the lock that holds it."""
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
