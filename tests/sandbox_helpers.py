"""Helpers of the sandbox tests: watching the processes a sandbox uid owns, and who started
whom."""

from __future__ import annotations

import threading
from pathlib import Path


def parents() -> dict[int, int]:
    """Every process's parent (host pids, zombies included), read from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            found[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
    return found


def live_pids(uid: int | None) -> set[int]:
    """Host pids of the live (not zombie) processes whose real uid is ``uid``."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("Uid", "").split()[:1] == [str(uid)] and "Z" not in fields.get("State", ""):
            pids.add(int(entry.name))
    return pids


class UidWatcher:
    """Collects every pid ``uid`` owns while the ``with`` block runs (polled every 20 ms)."""

    def __init__(self, uid: int | None):
        self.uid = uid
        self.seen: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.wait(0.02):
            self.snapshot()

    def snapshot(self) -> None:
        """Record the live pids now (a process may live less than one polling period)."""
        self.seen |= live_pids(self.uid)

    def __enter__(self) -> UidWatcher:
        self.snapshot()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def survivors(self) -> set[int]:
        """The watched pids still alive now."""
        return self.seen & live_pids(self.uid)
