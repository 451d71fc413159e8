"""Length-prefixed frames on a pipe: how requests and answers cross the sandbox boundary.

A frame is an unsigned 64-bit little-endian length followed by that many bytes of
:mod:`.wire` encoding. The child reads and writes blocking; the grader side reads
non-blocking into a buffer and takes whole frames out of it (:func:`take_frame`).
"""

from __future__ import annotations

import os
import struct

LENGTH = struct.Struct("<Q")


def read_exact(fd: int, n: int) -> bytes | None:
    """``n`` bytes from ``fd``, or None at end of file."""
    chunks = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, max_bytes: int) -> bytes | None:
    """One frame's body (blocking), None at end of file; ValueError past ``max_bytes``."""
    head = read_exact(fd, LENGTH.size)
    if head is None:
        return None
    (size,) = LENGTH.unpack(head)
    if size > max_bytes:
        raise ValueError(f"frame of {size} bytes is larger than {max_bytes}")
    return read_exact(fd, size)


def pack(body: bytes) -> bytes:
    """``body`` with its length prefix, ready to be written."""
    return LENGTH.pack(len(body)) + body


def write_frame(fd: int, body: bytes) -> None:
    """Write one whole frame (blocking)."""
    view = memoryview(pack(body))
    while view:
        view = view[os.write(fd, view):]


def take_frame(buffer: bytearray, max_bytes: int) -> bytes | None:
    """The first whole frame's body, removed from ``buffer``; None while it is incomplete.

    Raises ValueError when the announced length exceeds ``max_bytes`` (garbage on the pipe).
    """
    if len(buffer) < LENGTH.size:
        return None
    (size,) = LENGTH.unpack_from(buffer)
    if size > max_bytes:
        raise ValueError(f"an answer of {size} bytes came back (more than {max_bytes >> 20} "
                         "MiB, or garbage on the pipe)")
    if len(buffer) < LENGTH.size + size:
        return None
    body = bytes(buffer[LENGTH.size:LENGTH.size + size])
    del buffer[:LENGTH.size + size]
    return body
