"""Harness timings: the public suite, `grader run` against bare pytest, what grading costs a
submission beyond its own code, batch throughput, a submission that hangs everywhere, and a
cold start of the Gradescope entry point.

Each figure comes from commands run here, one after the other, in this one invocation; the
ratios compare runs of the same machine and the same moment. CPU times are the kernel's
counts of every process a command started (``RUSAGE_CHILDREN``), the submission's own from
its sandbox children (``sandbox_cpu_seconds`` of each ``grade.json``).
"""

from __future__ import annotations

import ast
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.polyfit_backends import machine_info
from grader import corpus, settings

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SEED = str(settings.DEFAULT_SEED)
#: The plugins a graded run does without (grader/run/runner.py: FAST_PYTEST), on both sides
#: of the comparison with bare pytest.
SAME_PLUGINS = ("-p", "no:cacheprovider", "-p", "no:logging", "-p", "no:unraisableexception")
REPEATS = 3  # timed runs per side of a comparison (the median counts), after a warm-up run


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


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADSPEC_")}
    env.update(extra)
    return env


@dataclass
class Timed:
    wall: float
    cpu: float  # user + system seconds of every process the command started
    cpu_source: str = "rusage"  # "cgroup": every process counted; "rusage": those reaped


class CpuGroup:
    """A cgroup of its own for one command, whose CPU counter (cgroup v2 ``cpu.stat``, v1
    ``cpuacct.usage``) counts every process the command starts, however it ends: processes
    orphaned when a sandbox is killed are reaped by the machine's init, so the command's
    ``RUSAGE_CHILDREN`` misses their time. None where cgroups are not writable (not root)."""

    def __init__(self, path: Path, read: Any):
        self.path, self._read = path, read

    @classmethod
    def make(cls) -> CpuGroup | None:
        name = f"gradspec-bench-{os.getpid()}-{time.monotonic_ns()}"
        for base, read in ((Path("/sys/fs/cgroup"), cls._v2), (Path("/sys/fs/cgroup/cpuacct"),
                                                               cls._v1)):
            if not (base / "cgroup.procs").is_file():
                continue
            try:
                (base / name).mkdir()
            except OSError:
                continue
            return cls(base / name, read)
        return None

    @staticmethod
    def _v2(path: Path) -> float:
        for line in (path / "cpu.stat").read_text().splitlines():
            if line.startswith("usage_usec "):
                return int(line.split()[1]) / 1e6
        raise OSError("no usage_usec in cpu.stat")

    @staticmethod
    def _v1(path: Path) -> float:
        return int((path / "cpuacct.usage").read_text()) / 1e9

    def join(self) -> None:
        """Move the calling process into the group (a child, before it execs)."""
        (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def seconds(self) -> float:
        return self._read(self.path)

    def remove(self) -> None:
        for _ in range(50):  # the last processes may still be leaving
            try:
                self.path.rmdir()
                return
            except OSError:
                time.sleep(0.1)


def _timed(cmd: list[str], *, check_codes: tuple[int, ...] = (0, 1), cwd: Path = ROOT,
           env: dict[str, str] | None = None) -> Timed:
    group = CpuGroup.make()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=env or _env(), capture_output=True, text=True,
                              preexec_fn=group.join if group else None)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if group is not None:
            cpu, source = group.seconds(), "cgroup"
        else:
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            source = "rusage"
    finally:
        if group is not None:
            group.remove()
    if proc.returncode not in check_codes:
        tail = (proc.stdout + proc.stderr)[-3000:]
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{tail}")
    return Timed(wall, cpu, source)


def public_suite_wall_time() -> HarnessRow:
    """`pytest -n 2` over the public spec tests against the reference."""
    secs = _timed([sys.executable, "-m", "pytest", "-n", "2", "-q", "-p", "no:cacheprovider",
                   "spec_tests", "--ignore", "spec_tests/hidden", "--impl", "reference"],
                  check_codes=(0,)).wall
    return HarnessRow("public suite vs reference, pytest -n 2", secs, f"{secs:.1f} s",
                      "<= 60 s", secs <= 60)


def run_overhead() -> list[HarnessRow]:
    """`grader run` (isolated) against bare in-process pytest on the same submission and
    tests, with the same plugins and seed; each side warmed up once, then the median of
    :data:`REPEATS` runs, taken in turn."""
    bare_cmd = [sys.executable, "-m", "pytest", "-q", *SAME_PLUGINS, "spec_tests",
                "--impl", "reference", "--grading-seed", SEED]
    with tempfile.TemporaryDirectory() as tmp:
        run_cmd = [str(BIN / "grader"), "run", str(ROOT / "reference"), "--out", tmp,
                   "--seed", SEED]
        bare, isolated = [], []
        for i in range(REPEATS + 1):
            b, r = _timed(bare_cmd, check_codes=(0,)), _timed(run_cmd, check_codes=(0,))
            if i:  # the first pair warms the caches (bytecode, the OS's file cache)
                bare.append(b.wall)
                isolated.append(r.wall)
    b, r = statistics.median(bare), statistics.median(isolated)
    ratio = r / b
    return [
        HarnessRow("bare pytest, in-process, same tests and plugins", b, f"{b:.1f} s", "",
                   None),
        HarnessRow("grader run, isolated, same tests", r, f"{r:.1f} s = {ratio:.2f}x bare",
                   "<= 1.15x bare", ratio <= 1.15),
    ]


def _copies(folder: Path, source: Path, count: int) -> None:
    for i in range(count):
        student = folder / f"student{i:03d}"
        student.mkdir(parents=True)
        for path in source.glob("*.py"):
            if path.name != "__init__.py":
                shutil.copy(path, student / path.name)


def grading_cost(count: int = 20, jobs: int = 2) -> list[HarnessRow]:
    """CPU time per submission of `grader batch` on ``count`` copies of the reference: all of
    it, the submission's own (its sandbox children), and the difference, the grader's."""
    with tempfile.TemporaryDirectory() as tmp:
        klass, out = Path(tmp) / "class", Path(tmp) / "out"
        _copies(klass, ROOT / "reference", count)
        timed = _timed([str(BIN / "grader"), "batch", str(klass), "--out", str(out),
                        "--jobs", str(jobs), "--seed", SEED], check_codes=(0,))
        own = [json.loads(p.read_text()).get("sandbox_cpu_seconds")
               for p in (out / "instructor").glob("*/grade.json")]
    if len(own) != count or any(o is None for o in own):
        raise RuntimeError(f"expected {count} grade.json files with sandbox_cpu_seconds")
    total, mine = timed.cpu / count, statistics.mean(own)
    overhead = total - mine
    counted = "every process (a cgroup)" if timed.cpu_source == "cgroup" else \
        "reaped processes only: a lower bound (no cgroup here)"
    return [
        HarnessRow(f"grader batch, {count} copies of the reference, --jobs {jobs}: CPU per "
                   f"submission, {counted}", timed.wall, f"{total:.2f} core-s", "", None),
        HarnessRow("  of which the submission's own code (sandbox children)", mine,
                   f"{mine:.2f} core-s", "", None),
        HarnessRow("  of which the grader's (the rest)", overhead, f"{overhead:.2f} core-s",
                   "<= 0.5 core-s", overhead <= 0.5),
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
    """`grader batch` on a generated class; every submission isolated, no test skipped."""
    with tempfile.TemporaryDirectory() as tmp:
        klass = Path(tmp) / "class"
        make_class(klass, size)
        secs = _timed([str(BIN / "grader"), "batch", str(klass), "--out", str(Path(tmp) / "out"),
                       "--jobs", str(jobs), "--seed", SEED], check_codes=(0, 1)).wall
    per_minute = size / secs * 60
    return HarnessRow(f"grader batch, {size} submissions, --jobs {jobs}", secs,
                      f"{per_minute:.1f} submissions/min", ">= 60 /min", per_minute >= 60)


class _HangEverywhere(ast.NodeTransformer):
    """Every function and method sleeps before it does anything."""

    def _hang(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
        self.generic_visit(node)
        node.body.insert(0, ast.parse("__import__('time').sleep(10 ** 6)").body[0])
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = _hang


def make_hanging_submission(folder: Path) -> None:
    """The reference with every function of every exercise made to hang when called (it
    imports fine: each exercise's calls time out, none fails at import)."""
    folder.mkdir(parents=True)
    for path in sorted((ROOT / "reference").glob("*.py")):
        if path.name == "__init__.py":
            continue
        tree = _HangEverywhere().visit(ast.parse(path.read_text()))
        (folder / path.name).write_text(ast.unparse(ast.fix_missing_locations(tree)))


def hang_everywhere() -> HarnessRow:
    """`grader run` on a submission whose every call hangs."""
    with tempfile.TemporaryDirectory() as tmp:
        sub = Path(tmp) / "hangs"
        make_hanging_submission(sub)
        exercises = sum((ROOT / "spec_tests" / f"test_{p.stem}.py").is_file()
                        for p in sub.glob("*.py"))
        secs = _timed([str(BIN / "grader"), "run", str(sub), "--out", str(Path(tmp) / "out"),
                       "--seed", SEED], check_codes=(1,)).wall
    return HarnessRow(f"grader run, a submission that hangs in all {exercises} exercises",
                      secs, f"{secs:.1f} s", "<= 60 s", secs <= 60)


def _suite_copy(dest: Path) -> None:
    """The suite's tracked files, as a fresh checkout has them (no bytecode, no caches)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def _autograder_root(tmp: Path) -> tuple[Path, dict[str, str]]:
    """A fresh autograder root: a fresh copy of the suite, this machine's virtual environment
    as the image's, an empty HOME and caches."""
    root = tmp / "autograder"
    (root / "source").mkdir(parents=True)
    _suite_copy(root / "source")
    (root / "venv").symlink_to(Path(sys.prefix))
    (tmp / "home").mkdir()
    env = _env(AUTOGRADER_ROOT=str(root), HOME=str(tmp / "home"),
               XDG_CACHE_HOME=str(tmp / "home" / "cache"), GRADSPEC_SEED=SEED)
    return root, env


def _first_submission(root: Path, env: dict[str, str]) -> float:
    """Seconds from run_autograder's start to results.json, the reference as the upload."""
    shutil.copytree(ROOT / "reference", root / "submission")
    (root / "results").mkdir()
    timed = _timed(["bash", str(root / "source" / "gradescope" / "run_autograder")],
                   cwd=root / "source", env=env, check_codes=(0, 1))
    if not (root / "results" / "results.json").is_file():
        raise RuntimeError("run_autograder wrote no results.json")
    return timed.wall


def cold_start() -> list[HarnessRow]:
    """Gradescope's first submission in a fresh image: with nothing built ahead of time, and
    after setup.sh's warm-up (gradescope/warm_up.sh grades the reference once, which builds
    the suite's bytecode in the image's suite folder)."""
    with tempfile.TemporaryDirectory() as tmp:
        root, env = _autograder_root(Path(tmp) / "cold")
        cold = _first_submission(root, env)
    with tempfile.TemporaryDirectory() as tmp:
        root, env = _autograder_root(Path(tmp) / "warm")
        warm_up = _timed(["bash", str(root / "source" / "gradescope" / "warm_up.sh"),
                          str(root)], env=env, check_codes=(0,)).wall
        warm = _first_submission(root, env)
    return [
        HarnessRow("run_autograder to results.json, first submission, nothing built ahead",
                   cold, f"{cold:.1f} s", "", None),
        HarnessRow("setup.sh's warm-up (grades the reference; builds the suite's bytecode)",
                   warm_up, f"{warm_up:.1f} s, at image build", "", None),
        HarnessRow("run_autograder to results.json, first submission after the warm-up",
                   warm, f"{warm:.1f} s", "", None),
    ]


def run(out: Path, args: Any) -> dict[str, Any]:
    """The section: measure, print the table, write out/bench/harness.json."""
    size = int(getattr(args, "class_size", 60))
    rows = [public_suite_wall_time(), *run_overhead(), *grading_cost(),
            batch_throughput(size=size, jobs=2), hang_everywhere(), *cold_start()]
    width = max(len(r.what) for r in rows)
    print(f"{'what':<{width}}  {'seconds':>8}  {'figure':<28} target")
    for r in rows:
        verdict = "" if r.met is None else ("met" if r.met else "NOT met")
        print(f"{r.what:<{width}}  {r.seconds:8.1f}  {r.figure:<28} {r.target} {verdict}")
    load = os.getloadavg()[0]
    print(f"load average at the end: {load:.2f} on {os.cpu_count()} cores")
    result = {"machine": machine_info(), "load_average": load,
              "rows": [r.as_dict() for r in rows]}
    out.mkdir(parents=True, exist_ok=True)
    (out / "harness.json").write_text(json.dumps(result, indent=1))
    print(f"wrote {out / 'harness.json'}")
    return result
