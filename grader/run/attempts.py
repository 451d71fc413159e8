"""Attempt folders: each try at grading a submission writes its reports into a folder of its own.

Delivery of a grading task is at least once: a worker that dies (or only loses touch with the
driver) may be replaced by another attempt while it still runs. Each attempt therefore writes
into a new folder under ``DIR/.attempts/<student>/``, and only the driver, when it records the
row, moves the attempt it recorded into ``DIR/students/<student>``. A late (zombie) attempt
writes into its own folder, which is never moved into place and is swept away.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ATTEMPTS = ".attempts"


@dataclass(frozen=True)
class Attempt:
    """What one attempt returns to the driver: the ledger summary and where its reports are."""

    summary: dict[str, Any]
    folder: str


def new_attempt(root: Path) -> Path:
    """A new, empty folder under ``root`` that no other attempt can pick (host, pid, uuid)."""
    folder = Path(root) / f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    folder.mkdir(parents=True)
    return folder


def install(attempt: Path, final: Path) -> None:
    """Make ``attempt`` the reports at ``final``, replacing what was there, by renames only.

    ``attempt`` and ``final`` must be on one filesystem (both lie under the batch's DIR).
    """
    attempt, final = Path(attempt), Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if final.exists() or final.is_symlink():
        old = attempt.parent / f"replaced-{uuid.uuid4().hex[:12]}"
        os.rename(final, old)
    os.rename(attempt, final)
    if old is not None:
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink()


def sweep(root: Path) -> None:
    """Remove every attempt left under ``root`` (zombies', or a killed run's)."""
    shutil.rmtree(root, ignore_errors=True)
