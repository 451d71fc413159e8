"""Files written whole or not at all: a reader (or a crash) never sees half of one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class UnusableFolder(ValueError):
    """A folder named on the command line that this process cannot write into."""


def writable_folder(path: Path, name: str) -> Path:
    """``path``, created if needed, once this process has written a file there; else
    :class:`UnusableFolder` with a message naming it (a file, read-only, no permission),
    before anything is graded."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UnusableFolder(f"{name} {path} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=path).close()
    except OSError as exc:
        raise UnusableFolder(f"{name} {path}: cannot write there "
                             f"({exc.strerror or exc})") from None
    return path


def atomic_write_text(path: Path, text: str, *, durable: bool = True) -> None:
    """Replace ``path`` by ``text`` at once (temp file, fsync, ``os.replace``, fsync the folder).

    ``durable=False`` skips both fsyncs: still whole or not at all for every reader and when
    the writer is killed, but not across a power loss (for a file rewritten many times).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a report is meant to be read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if not durable:
        return
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
