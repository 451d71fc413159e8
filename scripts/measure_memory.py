"""Run a command in a memory cgroup of its own and report the memory it needed.

Gradescope runs an autograder in a container with a memory limit (768 MB by default); a
container is a cgroup, and what counts against its limit is the cgroup's charge (every page
once, however many processes share it). This script measures the same thing: it creates a
cgroup (v2, or v1's memory controller), optionally with a limit, moves the command into it
and samples, every 20 ms, the sum of the resident set (RSS: shared pages counted in every
process) and of the proportional set (PSS: shared pages split between their processes; the
sum is the memory the processes really hold) of every process in the cgroup. It prints the
peaks, the cgroup's own peak charge and whether the kernel had to kill anything.

    sudo python scripts/measure_memory.py [--limit 512M] -- grader run examples/class/bob

Needs root (to create the cgroup). Exit status: the command's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

V2 = Path("/sys/fs/cgroup")
V1 = Path("/sys/fs/cgroup/memory")
MIB = 1024 * 1024


def _bytes(text: str) -> int:
    units = {"K": 1024, "M": MIB, "G": 1024 * MIB}
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


class Cgroup:
    """A fresh memory cgroup (v2 if the unified hierarchy has the memory controller)."""

    def __init__(self, limit: int | None):
        name = f"gradspec-mem-{uuid.uuid4().hex[:8]}"
        self.v2 = "memory" in (V2 / "cgroup.controllers").read_text().split() \
            if (V2 / "cgroup.controllers").is_file() else False
        self.path = (V2 if self.v2 else V1) / name
        self.path.mkdir()
        if limit is not None:
            if self.v2:
                (self.path / "memory.max").write_text(str(limit))
                (self.path / "memory.swap.max").write_text("0")
            else:
                (self.path / "memory.limit_in_bytes").write_text(str(limit))
                swap = self.path / "memory.memsw.limit_in_bytes"
                if swap.exists():
                    swap.write_text(str(limit))

    def add_self(self) -> None:
        (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def pids(self) -> list[int]:
        try:
            return [int(p) for p in (self.path / "cgroup.procs").read_text().split()]
        except OSError:
            return []

    def peak_charge(self) -> int:
        name = "memory.peak" if self.v2 else "memory.max_usage_in_bytes"
        path = self.path / name
        return int(path.read_text()) if path.exists() else -1

    def oom_kills(self) -> int:
        if self.v2:
            for line in (self.path / "memory.events").read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
            return 0
        for line in (self.path / "memory.oom_control").read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return int((self.path / "memory.failcnt").read_text()) and -1

    def remove(self) -> None:
        """Remove the cgroup once its last process (an OOM victim may take a while) is gone."""
        for _ in range(600):
            try:
                self.path.rmdir()
                return
            except OSError:
                time.sleep(0.1)
        print(f"could not remove {self.path}: rmdir it once its processes are gone",
              file=sys.stderr)


def _rss_pss(pid: int) -> tuple[int, int]:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0, 0
    rss = pss = 0
    for line in text.splitlines():
        if line.startswith("Rss:"):
            rss = int(line.split()[1]) * 1024
        elif line.startswith("Pss:"):
            pss = int(line.split()[1]) * 1024
    return rss, pss


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", default=None, help="memory limit of the cgroup, e.g. 512M")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command after --")
    limit = _bytes(args.limit) if args.limit else None
    group = Cgroup(limit)
    peaks = {"rss": 0, "pss": 0, "procs": 0}
    done = threading.Event()
    me = os.getpid()

    def sample() -> None:
        while not done.is_set():
            pids = [p for p in group.pids() if p != me]
            usage = [_rss_pss(p) for p in pids]
            peaks["rss"] = max(peaks["rss"], sum(u[0] for u in usage))
            peaks["pss"] = max(peaks["pss"], sum(u[1] for u in usage))
            peaks["procs"] = max(peaks["procs"], len(pids))
            time.sleep(0.02)

    started = time.monotonic()
    proc = subprocess.Popen(command, preexec_fn=lambda: (group.path / "cgroup.procs")
                            .write_text(str(os.getpid())))
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = proc.wait()
    done.set()
    sampler.join()
    seconds = time.monotonic() - started
    limit_text = f"{limit / MIB:.0f} MiB" if limit else "none"
    print(f"memory: limit {limit_text}; peak charge {group.peak_charge() / MIB:.0f} MiB "
          f"(page cache included); peak sum PSS {peaks['pss'] / MIB:.0f} MiB, peak sum RSS "
          f"{peaks['rss'] / MIB:.0f} MiB over up to {peaks['procs']} processes; "
          f"OOM kills {group.oom_kills()}; exit {code}; {seconds:.1f} s", file=sys.stderr)
    group.remove()
    return code


if __name__ == "__main__":
    sys.exit(main())
