"""Harness timings: the public suite's wall time, `grader run` overhead, batch throughput.

Each figure comes from commands run here, one after the other, in this one invocation; the
ratios compare runs of the same machine and the same moment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.polyfit_backends import machine_info
from grader import corpus

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass
class HarnessRow:
    what: str
    seconds: float
    figure: str
    target: str
    met: bool | None

    def as_dict(self) -> dict[str, Any]:
        return {"what": self.what, "seconds": round(self.seconds, 2), "figure": self.figure,
                "target": self.target, "met": self.met}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADSPEC_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _timed(cmd: list[str], *, check_codes: tuple[int, ...] = (0, 1)) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in check_codes:
        tail = (proc.stdout + proc.stderr)[-3000:]
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{tail}")
    return elapsed


def public_suite_wall_time() -> HarnessRow:
    """`pytest -n 2` over the public spec tests against the reference."""
    secs = _timed([sys.executable, "-m", "pytest", "-n", "2", "-q", "-p", "no:cacheprovider",
                   "spec_tests", "--ignore", "spec_tests/hidden", "--impl", "reference"],
                  check_codes=(0,))
    return HarnessRow("public suite vs reference, pytest -n 2", secs, f"{secs:.1f} s",
                      "<= 60 s", secs <= 60)


def run_overhead() -> list[HarnessRow]:
    """`grader run` (isolated) against the bare in-process pytest run of the same tests."""
    bare = _timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "spec_tests",
                   "--impl", "reference"], check_codes=(0,))
    with tempfile.TemporaryDirectory() as tmp:
        isolated = _timed([str(BIN / "grader"), "run", str(ROOT / "reference"), "--out", tmp],
                          check_codes=(0,))
    ratio = isolated / bare
    return [
        HarnessRow("bare pytest, in-process, same tests (1 process)", bare, f"{bare:.1f} s",
                   "", None),
        HarnessRow("grader run, isolated, same tests", isolated,
                   f"{isolated:.1f} s = {ratio:.2f}x bare", "<= 1.5x bare", ratio <= 1.5),
    ]


def make_class(folder: Path, size: int) -> None:
    """A class of ``size`` submissions: the reference, the template and mutants, in turn
    (a mutant is the reference with its overrides applied)."""
    reference = ROOT / "reference"
    mutants = [m for m in sorted((ROOT / "tests" / "mutants").glob("*/*")) if m.is_dir()]
    kinds: list[Path] = [reference, ROOT / "student_template", *mutants]
    full = {p.name: p for p in reference.glob("*.py") if p.name != "__init__.py"}
    for i in range(size):
        student = folder / f"student{i:03d}"
        source = kinds[i % len(kinds)]
        if source in mutants:
            corpus.materialize(source, reference, student)
            continue
        student.mkdir(parents=True)
        for name, path in full.items():
            shutil.copy(path, student / name)
        for path in source.glob("*.py"):
            if path.name != "__init__.py":
                shutil.copy(path, student / path.name)


def batch_throughput(size: int = 60, jobs: int = 2) -> HarnessRow:
    """`grader batch` on a generated class; every submission isolated."""
    with tempfile.TemporaryDirectory() as tmp:
        klass = Path(tmp) / "class"
        make_class(klass, size)
        secs = _timed([str(BIN / "grader"), "batch", str(klass), "--out", str(Path(tmp) / "out"),
                       "--jobs", str(jobs)], check_codes=(0, 1))
    per_minute = size / secs * 60
    return HarnessRow(f"grader batch, {size} submissions, --jobs {jobs}", secs,
                      f"{per_minute:.1f} submissions/min", ">= 30 /min", per_minute >= 30)


def run(out: Path, args: Any) -> dict[str, Any]:
    """The section: measure, print the table, write out/bench/harness.json."""
    size = int(getattr(args, "class_size", 60))
    rows = [public_suite_wall_time(), *run_overhead(), batch_throughput(size=size, jobs=2)]
    width = max(len(r.what) for r in rows)
    print(f"{'what':<{width}}  {'seconds':>8}  {'figure':<28} target")
    for r in rows:
        verdict = "" if r.met is None else ("met" if r.met else "NOT met")
        print(f"{r.what:<{width}}  {r.seconds:8.1f}  {r.figure:<28} {r.target} {verdict}")
    result = {"machine": machine_info(), "rows": [r.as_dict() for r in rows]}
    out.mkdir(parents=True, exist_ok=True)
    (out / "harness.json").write_text(json.dumps(result, indent=1))
    print(f"wrote {out / 'harness.json'}")
    return result

