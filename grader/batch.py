"""``grader batch SUBMISSIONS``: grade a whole class in parallel, in isolation, resumably.

Each submission is graded by the runner exactly as ``grader run`` grades one (sandboxed,
with the class's submissions and the output folder hidden from it). Every finished
submission is appended to ``DIR/ledger.jsonl`` (fsync'd) before ``grades.csv`` is rewritten
atomically from the ledger, so a batch killed at any moment and run again grades only what is
missing or whose content (or the suite, or the seed) changed.

Each worker imports torch and pytest once and forks a pytest run per submission
(:class:`grader.launch.ForkedPytest`); its sandbox children are forked by one zygote per
worker (:mod:`grader.zygote`), a clean interpreter with torch imported, so that no child pays
that import again. ``GRADSPEC_ZYGOTE=0`` starts every child as ``grader run`` does.
"""

from __future__ import annotations

import argparse
import fcntl
import functools
import hashlib
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from grader import __version__
from grader.discover import Found, content_hash, discover, find_suite_root, safe_dirname
from grader.executors import EXECUTORS, WorkerDied, default_jobs, make_executor
from grader.gradebook import (
    PENDING,
    Ledger,
    atomic_write_text,
    write_canvas_csv,
    write_grades_csv,
)
from grader.launch import ForkedPytest

STAGING = ".staging"
#: Statuses that are the grader's fault: recorded, and graded again by the next run.
GRADER_FAULTS = {"grader error", "grader crashed", "internal error"}
#: Seconds between two rewrites of grades.csv while grading (the ledger is written at once).
CSV_EVERY = 1.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", type=Path, metavar="SUBMISSIONS",
                        help="folder of submissions: one folder or .zip per student (named by "
                             "student id), or a Gradescope / Canvas bulk download")
    parser.add_argument("--out", type=Path, default=Path("out/batch"), metavar="DIR",
                        help="output folder (default out/batch); rerun with the same DIR to "
                             "resume")
    parser.add_argument("--jobs", "-j", type=int, default=None, metavar="N",
                        help=f"submissions graded at once (default: the cores, here "
                             f"{default_jobs()})")
    parser.add_argument("--seed", type=int, default=None,
                        help="grading seed of the hidden tests (default: the runner's)")
    parser.add_argument("--suite", type=Path, default=None, metavar="DIR",
                        help="folder holding spec_tests/ (default: the current folder, else "
                             "gradspec's own)")
    parser.add_argument("--probe-timeout", type=float, default=30.0, metavar="SECONDS",
                        help="wall-clock limit of one probe call (default 30)")
    parser.add_argument("--total-timeout", type=float, default=900.0, metavar="SECONDS",
                        help="wall-clock limit of one whole submission (default 900)")
    parser.add_argument("--assignment", default="gradspec",
                        help="the assignment's column name in canvas_import.csv "
                             "(default gradspec)")
    parser.add_argument("--executor", choices=sorted(EXECUTORS), default="local",
                        help="where submissions are graded (default local processes)")
    parser.add_argument("--no-report", action="store_true",
                        help="skip the class report (report.html and figures)")


@dataclass(frozen=True)
class GradeTask:
    """Everything a worker needs to grade one submission (plain, picklable data)."""

    student_id: str
    submission: str
    out_dir: str
    suite_root: str
    seed: int | None
    hide_paths: tuple[str, ...]
    probe_timeout: float
    total_timeout: float


@functools.cache
def _worker_launcher() -> ForkedPytest:
    """One warm launcher per worker process: torch and pytest are imported once per worker.

    Its sandbox children come from one zygote per worker (torch imported once, not per
    submission), started here before any submission's data is read; ``GRADSPEC_ZYGOTE=0``
    keeps the plain path.
    """
    from grader.sandbox import ZYGOTE_ENV, start_zygote, use_zygote

    if os.environ.get(ZYGOTE_ENV, "1") != "0":
        use_zygote(start_zygote())
    return ForkedPytest()


def _revive_zygote() -> None:
    """Replace this worker's zygote if it died (killed, out of memory) since the last task."""
    from grader.sandbox import process_zygote, start_zygote, use_zygote

    zygote = process_zygote()
    if zygote is not None and not zygote.alive():
        zygote.close()
        use_zygote(start_zygote())


def grade_task(task: GradeTask) -> dict[str, Any]:
    """Grade one submission with the runner; runs in a worker process."""
    from grader.runner import exercise_problems, grade_submission

    launcher = _worker_launcher()
    _revive_zygote()
    outcome = grade_submission(Path(task.submission), Path(task.out_dir),
                               suite_root=Path(task.suite_root), seed=task.seed,
                               probe_timeout=task.probe_timeout,
                               hide_paths=[Path(p) for p in task.hide_paths],
                               total_timeout=task.total_timeout,
                               launcher=launcher)
    payload = outcome.payload if isinstance(outcome.payload, dict) else {}
    message = payload.get("output") or payload.get("message") or ""
    status = str(outcome.status)
    problems = exercise_problems(payload.get("records") or []) if status == "ok" else {}
    if problems:  # graded, but some exercise could not be tested: say which and why
        status = "; ".join(f"{why} ({name})" for name, why in problems.items())
    return {
        "status": status,
        "graded": outcome.status == "ok",
        "score": float(outcome.score),
        "max_score": float(outcome.max_score),
        "per_exercise": {name: [float(e), float(p)]
                         for name, (e, p) in sorted(outcome.per_exercise.items())},
        "submission_hash": str(outcome.submission_hash or ""),
        "execution_time": float(outcome.execution_time),
        "message": str(message)[:2000],
    }


def is_graded(entry: dict[str, Any]) -> bool:
    """Whether the suite ran on the submission (its status may still name a broken exercise)."""
    return bool(entry.get("graded", entry.get("status") == "ok"))


def suite_fingerprint(suite_root: Path, seed: int | None) -> str:
    """What else a grade depends on: the spec suite's files, the seed and gradspec's version."""
    digest = hashlib.sha256(f"gradspec {__version__} seed {seed}\n".encode())
    files = sorted((suite_root / "spec_tests").rglob("*.py"))
    files += [p for p in (suite_root / "conftest.py",) if p.is_file()]
    for path in files:
        if "__pycache__" in path.parts:
            continue
        digest.update(str(path.relative_to(suite_root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _entry(found: Found, key: str, digest: str, result: dict[str, Any]) -> dict[str, Any]:
    retry = result.get("status") in GRADER_FAULTS  # not the student's doing: grade again
    return {
        "student_id": found.student_id,
        "key": "" if retry else key,
        "content_hash": digest,
        "graded_at": _now(),
        "meta": dict(found.meta),
        "out_dir": f"students/{safe_dirname(found.student_id)}",
        **result,
    }


def _not_graded(status: str, message: str) -> dict[str, Any]:
    return {"status": status, "score": 0.0, "max_score": 0.0, "per_exercise": {},
            "submission_hash": "", "execution_time": 0.0, "message": message}


def fresh_dir(folder: Path) -> Path:
    """An empty ``folder``: no report of an earlier grading may linger next to a new one."""
    if folder.is_dir() and not folder.is_symlink():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_status_feedback(out_dir: Path, student_id: str, status: str, message: str) -> None:
    """Reports for a submission that could not be graded at all: why, and what to do.

    The same reports as a graded run (:func:`grader.reports.write_reports`), with no test
    records; junit.xml, which pytest writes for graded runs, holds one error saying why.
    """
    from grader.reports import write_reports

    fresh_dir(out_dir)
    junit = (f'<?xml version="1.0" encoding="utf-8"?>\n<testsuites><testsuite name="gradspec" '
             f'tests="1" errors="1" failures="0" skipped="0"><testcase classname="submission" '
             f'name="submission"><error message={quoteattr(status)}>{xml_escape(message)}</error>'
             "</testcase></testsuite></testsuites>\n")
    atomic_write_text(out_dir / "junit.xml", junit)
    write_reports({"records": [], "execution_time": 0.0, "protections": [],
                   "submission": {"path": student_id, "hash": "", "status": status,
                                  "message": message}}, out_dir)


def stage(found: Found, staging: Path) -> Path:
    """The submission as one folder or .zip; loose files (a Canvas download) are gathered."""
    if found.path is not None:
        return found.path
    folder = staging / safe_dirname(found.student_id)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name, source in found.files.items():
        if Path(name).name != name or name in (".", ".."):
            continue
        shutil.copyfile(source, folder / name, follow_symlinks=False)
    return folder


def _lock(out: Path) -> int:
    """An exclusive lock on ``out``: two batches writing one ledger would garble it."""
    fd = os.open(out / ".batch.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise ValueError(f"another `grader batch` is writing to {out}; wait for it to end "
                         "or choose another --out") from None
    return fd


class _Progress:
    """The rich progress bar (done / failed / ETA), or nothing when there is nothing to do."""

    def __init__(self, total: int, reused: int):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.ok = self.failed = 0
        self.progress = Progress(
            TextColumn("[bold]grading"), BarColumn(), MofNCompleteColumn(),
            TextColumn("[green]{task.fields[ok]} ok[/] [red]{task.fields[failed]} failed[/]"),
            TextColumn("elapsed"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=Console(stderr=True), transient=False)
        self.task = self.progress.add_task("grading", total=total, ok=0, failed=0)
        if reused:
            self.progress.console.print(f"{reused} submissions unchanged since the last run: "
                                        "kept from the ledger")

    def __enter__(self) -> _Progress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def advance(self, graded: bool) -> None:
        if graded:
            self.ok += 1
        else:
            self.failed += 1
        self.progress.update(self.task, advance=1, ok=self.ok, failed=self.failed)


def run_batch(submissions: Path, out: Path, *, jobs: int | None = None, seed: int | None = None,
              suite: Path | None = None, probe_timeout: float = 30.0,
              total_timeout: float = 900.0, assignment: str = "gradspec",
              executor: str = "local", report: bool = True,
              grade: Callable[[GradeTask], dict[str, Any]] = grade_task) -> dict[str, Any]:
    """Grade every submission under ``submissions`` into ``out``; return a summary.

    ``grade`` grades one task in a worker (picklable); the runner by default.
    """
    started = time.perf_counter()
    submissions, out = submissions.resolve(), out.resolve()
    if out == submissions or submissions in out.parents:
        raise ValueError(f"--out {out} lies inside {submissions}: it would be graded as a "
                         "student; choose an output folder outside the submissions")
    suite_root = find_suite_root(suite)
    from grader.runner import resolve_seed

    seed = resolve_seed(seed)  # explicit, so a changed $GRADSPEC_SEED regrades everything
    out.mkdir(parents=True, exist_ok=True)
    lock = _lock(out)  # released when this process ends, however it ends (even SIGKILL)
    try:
        return _run_locked(submissions, out, suite_root, seed, jobs=jobs,
                           probe_timeout=probe_timeout, total_timeout=total_timeout,
                           assignment=assignment, executor=executor, report=report,
                           grade=grade, started=started)
    finally:
        os.close(lock)


def _run_locked(submissions: Path, out: Path, suite_root: Path, seed: int, *, jobs: int | None,
                probe_timeout: float, total_timeout: float, assignment: str, executor: str,
                report: bool, grade: Callable[[GradeTask], dict[str, Any]],
                started: float) -> dict[str, Any]:
    ledger = Ledger(out / "ledger.jsonl")
    previous = ledger.load()
    fingerprint = suite_fingerprint(suite_root, seed)

    entries: dict[str, dict[str, Any]] = {}
    todo: list[tuple[Found, str, str]] = []
    reused = 0
    for found in discover(submissions):
        digest = content_hash(found)
        key = hashlib.sha256(f"{digest}\0{fingerprint}".encode()).hexdigest()
        old = previous.get(found.student_id)
        if old is not None and old.get("key") == key:
            entries[found.student_id] = old
            reused += 1
        elif not found.gradable:
            entry = _entry(found, key, digest, _not_graded(found.status, found.message))
            write_status_feedback(out / entry["out_dir"], found.student_id, found.status,
                                  found.message)
            ledger.append(entry)
            entries[found.student_id] = entry
        else:
            entries[found.student_id] = {"student_id": found.student_id, "status": PENDING,
                                         "content_hash": digest, "meta": dict(found.meta)}
            todo.append((found, key, digest))
    write_grades_csv(out / "grades.csv", list(entries.values()))

    by_id = {found.student_id: (found, key, digest) for found, key, digest in todo}
    hide = (str(submissions), str(out))
    tasks = [GradeTask(found.student_id, str(stage(found, out / STAGING)),
                       str(fresh_dir(out / "students" / safe_dirname(found.student_id))),
                       str(suite_root), seed, hide, probe_timeout, total_timeout)
             for found, _, _ in todo]
    last_csv = time.monotonic()
    if tasks:
        pool = make_executor(executor, jobs)
        try:
            with _Progress(len(tasks), reused) as progress:
                for task, result in pool.run(grade, tasks):
                    found, key, digest = by_id[task.student_id]
                    if isinstance(result, BaseException):
                        status = ("grader crashed" if isinstance(result, WorkerDied)
                                  else "grader error")
                        message = f"{type(result).__name__}: {result}"
                        write_status_feedback(Path(task.out_dir), task.student_id, status,
                                              "The grader failed on this submission; your "
                                              "instructor has been told.")
                        result = _not_graded(status, message)
                    entry = _entry(found, key, digest, result)
                    ledger.append(entry)
                    entries[found.student_id] = entry
                    if time.monotonic() - last_csv >= CSV_EVERY:  # cheap for a big class too
                        write_grades_csv(out / "grades.csv", list(entries.values()))
                        last_csv = time.monotonic()
                    progress.advance(is_graded(entry))
        finally:
            pool.close()
    shutil.rmtree(out / STAGING, ignore_errors=True)

    final = list(entries.values())
    write_grades_csv(out / "grades.csv", final)
    write_canvas_csv(out / "canvas_import.csv", final, assignment)
    if report:
        from grader.class_report import write_class_report

        write_class_report(out, final)
    seconds = time.perf_counter() - started
    statuses: dict[str, int] = {}
    for entry in final:
        statuses[entry["status"]] = statuses.get(entry["status"], 0) + 1
    return {"students": len(final), "graded": len(tasks), "reused": reused,
            "statuses": statuses, "seconds": seconds, "out": out}


def main(args: argparse.Namespace) -> int:
    try:
        summary = run_batch(args.submissions, args.out, jobs=args.jobs, seed=args.seed,
                            suite=args.suite, probe_timeout=args.probe_timeout,
                            total_timeout=args.total_timeout, assignment=args.assignment,
                            executor=args.executor, report=not args.no_report)
    except (ValueError, FileNotFoundError, NotADirectoryError, NotImplementedError) as exc:
        print(f"grader batch: {exc}", file=sys.stderr)
        return 2
    graded, seconds = summary["graded"], summary["seconds"]
    rate = f", {graded / seconds * 60:.1f} submissions/min" if graded and seconds else ""
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(summary["statuses"].items()))
    out = summary["out"]
    print(f"{summary['students']} students ({statuses}); graded {graded}, kept "
          f"{summary['reused']} from the ledger, in {seconds:.1f} s{rate}")
    print(f"grades: {out / 'grades.csv'}\nCanvas import: {out / 'canvas_import.csv'}")
    if (out / "report.html").exists():
        print(f"class report: {out / 'report.html'}")
    return 0
