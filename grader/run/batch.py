"""``grader batch SUBMISSIONS``: grade a whole class in parallel, in isolation, resumably.

Each submission is graded by the runner exactly as ``grader run`` grades one (sandboxed,
with the class's submissions and the output folder hidden from it). Every finished
submission is appended to ``DIR/ledger.jsonl`` (fsync'd) before ``grades.csv`` is rewritten
atomically from the ledger, so a batch killed at any moment and run again grades only what is
missing or whose content (or the suite, or the seed) changed. Each attempt at a submission
writes its reports into a folder of its own, which the driver moves into place when it
records the row (:mod:`grader.run.attempts`): delivery is at least once, and a late attempt
never overwrites a recorded one. ``DIR/students/<id>/`` holds what may be handed to the
student (rendered under the reveal policy); ``grade.json`` and ``pytest.log``, which hold
the hidden tests' messages, go to ``DIR/instructor/<id>/``. A roster
(:mod:`grader.intake.roster`) names the students and gives their submission times; the late
policy turns those (or Canvas's ``_LATE`` mark) into each submission's penalty.

Each worker imports torch and pytest once and forks a pytest run per submission
(:class:`grader.run.launch.ForkedPytest`); its sandbox children are forked by a zygote
(:mod:`grader.sandbox.zygote_client`), a clean interpreter with torch imported, so that no
child pays that import again: with the local executor one zygote, started by the driver, for
every worker; elsewhere (a Dask worker on another machine) one per worker.
``GRADSPEC_ZYGOTE=0`` starts every child fresh.
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

from grader import __version__, settings
from grader import result as grade
from grader.assignment import ALL_EXERCISES, Assignment, for_suite
from grader.atomic import writable_folder
from grader.intake.discover import Found, content_hash, discover, safe_dirname
from grader.intake.roster import Roster
from grader.late import Late, Lateness, LatePolicy
from grader.outcome import SubmissionStatus
from grader.reports.gradebook import Gradebook, grades_csv, write_class_reports
from grader.reports.run import ReportOptions, write_run_reports
from grader.result import Submission
from grader.run.attempts import ATTEMPTS, Attempt, install, new_attempt, sweep
from grader.run.executors import (
    EXECUTORS,
    Executor,
    ExecutorError,
    Finished,
    WorkerDied,
    default_jobs,
    make_executor,
)
from grader.run.executors.local import LocalExecutor
from grader.run.launch import ForkedPytest
from grader.run.ledger import Ledger
from grader.run.runner import add_report_arguments, grade_submission, report_settings
from grader.sandbox import Zygote, attach_or_start, process_zygote, start_zygote, use_zygote

STAGING = ".staging"
#: Seconds between two rewrites of grades.csv while grading (the ledger is written at once).
CSV_EVERY = 1.0
#: Changes when a ledger entry's layout does: entries of another layout are graded again.
LEDGER_FORMAT = 3
#: The subfolder of an attempt folder that holds the instructor's files (grade.json,
#: pytest.log); the rest of the attempt folder is what the student gets.
INSTRUCTOR_PART = "instructor"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", type=Path, metavar="SUBMISSIONS",
                        help="folder of submissions: one folder or .zip per student (named by "
                             "student id), or a Gradescope / Canvas bulk download")
    parser.add_argument("--out", type=Path, default=Path("out/batch"), metavar="DIR",
                        help="output folder (default out/batch); rerun with the same DIR to "
                             "resume")
    settings.add_option(parser, settings.JOBS, "--jobs", "-j", type=int, metavar="N",
                        default=f"the cores, here {default_jobs()}")
    settings.add_option(parser, settings.SEED, "--seed", type=int)
    settings.add_option(parser, settings.SUITE, "--suite", type=Path, metavar="DIR")
    settings.add_option(parser, settings.PROBE_TIMEOUT, "--probe-timeout", type=float,
                        metavar="SECONDS")
    settings.add_option(parser, settings.TOTAL_TIMEOUT, "--total-timeout", type=float,
                        metavar="SECONDS")
    settings.add_option(parser, settings.ASSIGNMENT, "--assignment", metavar="NAME",
                        default="every exercise")
    settings.add_option(parser, settings.CANVAS_ID, "--canvas-id", metavar="ID")
    parser.add_argument("--roster", type=Path, default=None, metavar="CSV",
                        help="the class roster: names, SIS ids and logins for "
                             "canvas_import.csv, GitHub usernames, submission times (see the "
                             "README); a Canvas gradebook export works as it is")
    settings.add_option(parser, settings.LATE_POLICY, "--late-policy", metavar="POLICY")
    add_report_arguments(parser)
    settings.add_option(parser, settings.EXECUTOR, "--executor", choices=sorted(EXECUTORS))
    settings.add_option(parser, settings.SCHEDULER, "--scheduler", metavar="ADDRESS")
    settings.add_option(parser, settings.SCHEDULER_FILE, "--scheduler-file", type=Path,
                        metavar="F")
    parser.add_argument("--no-report", action="store_true",
                        help="skip the class report (report.html and figures)")


@dataclass(frozen=True)
class GradeTask:
    """Everything a worker needs to grade one submission (plain, picklable data)."""

    student_id: str
    submission: str
    attempts_dir: str  # each attempt grades into a new folder under it
    suite_root: str
    seed: int
    hide_paths: tuple[str, ...]
    probe_timeout: float
    total_timeout: float
    options: ReportOptions = ReportOptions()
    leaderboard: bool = False
    late: Late | None = None
    assignment: Assignment = ALL_EXERCISES
    zygote_dir: str = ""  # the driver's zygote, for workers on its machine ("": none)


@functools.cache
def _worker_launcher(zygote_dir: str = "") -> ForkedPytest:
    """One warm launcher per worker process: torch and pytest are imported once per worker.

    Its sandbox children come from a zygote (torch imported once, not per submission): the
    driver's at ``zygote_dir`` where this worker can reach it, else one of its own, started
    here before any submission's data is read; ``GRADSPEC_ZYGOTE=0`` keeps the plain path.
    """
    if settings.resolve(settings.ZYGOTE).value:
        # refused where the driver's is not on this machine (a Dask worker elsewhere), or gone
        use_zygote(attach_or_start(zygote_dir)[0])
    return ForkedPytest()


def _driver_zygote(pool: Executor) -> Zygote | None:
    """One zygote for every worker of a local pool (they attach to it by folder) instead of
    one each: its imports are paid once, and its memory held once. None for other executors
    (whose workers may be on other machines) or with ``GRADSPEC_ZYGOTE=0``."""
    if not isinstance(pool, LocalExecutor) or not settings.resolve(settings.ZYGOTE).value:
        return None
    return start_zygote()


def _revive_zygote() -> None:
    """Replace this worker's zygote if it died (killed, out of memory) since the last task:
    by one of its own, also when it was the driver's."""
    zygote = process_zygote()
    if zygote is not None and not zygote.alive():
        zygote.close()
        use_zygote(start_zygote())


def grade_task(task: GradeTask) -> Attempt:
    """Grade one submission with the runner (in a worker process) into a new attempt folder."""
    launcher = _worker_launcher(task.zygote_dir)
    _revive_zygote()
    folder = new_attempt(Path(task.attempts_dir))
    result = grade_submission(Path(task.submission), folder,
                              suite_root=Path(task.suite_root), seed=task.seed,
                              probe_timeout=task.probe_timeout,
                              hide_paths=[Path(p) for p in task.hide_paths],
                              total_timeout=task.total_timeout, launcher=launcher,
                              options=task.options, leaderboard=task.leaderboard,
                              late=task.late, instructor_dir=folder / INSTRUCTOR_PART,
                              assignment=task.assignment)
    return Attempt(result.summary(), str(folder))


def suite_fingerprint(suite_root: Path, seed: int,
                      assignment: Assignment = ALL_EXERCISES) -> str:
    """What else a grade depends on: the spec suite's files, the seed, the assignment graded
    and gradspec's version."""
    digest = hashlib.sha256(f"gradspec {__version__} ledger {LEDGER_FORMAT} seed {seed} "
                            f"assignment {assignment.describe()}\n".encode())
    files = sorted((suite_root / "spec_tests").rglob("*.py"))
    files += [p for p in (suite_root / "conftest.py",) if p.is_file()]
    for path in files:
        if "__pycache__" in path.parts:
            continue
        digest.update(str(path.relative_to(suite_root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _entry(found: Found, key: str, digest: str, summary: dict[str, Any]) -> dict[str, Any]:
    try:
        fault = SubmissionStatus(summary["status"]).grader_fault
    except ValueError:  # "timeout (cosine)": graded, with an exercise that could not be tested
        fault = False
    return {
        "student_id": found.student_id,
        "key": "" if fault else key,  # not the student's doing: graded again next run
        "content_hash": digest,
        "graded_at": _now(),
        "meta": dict(found.meta),
        "out_dir": f"students/{safe_dirname(found.student_id)}",
        "instructor_dir": f"instructor/{safe_dirname(found.student_id)}",
        **summary,
    }


def fresh_dir(folder: Path) -> Path:
    """An empty ``folder``: no report of an earlier grading may linger next to a new one."""
    if folder.is_dir() and not folder.is_symlink():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def not_graded(folder: Path, student_id: str, status: SubmissionStatus,
               message: str, options: ReportOptions | None = None) -> dict[str, Any]:
    """The reports of a submission that could not be graded at all (the same reports as a
    graded run, saying why and what to do) in an attempt folder, and its ledger summary."""
    result = grade.build([], Submission(path=student_id, status=status, message=message))
    write_run_reports(result, fresh_dir(folder), options, fresh_dir(folder / INSTRUCTOR_PART))
    return result.summary()


def _outcome(done: Finished[GradeTask], options: ReportOptions) -> tuple[dict[str, Any], Path]:
    """The summary and the reports folder of a finished task. A failure of the grader (its
    worker died, it raised, its reports are not where every worker should write them) is a
    row of its own, ``grader crashed`` or ``grader error``, with reports that say so."""
    task, result = done.task, done.result
    own = isinstance(result, Attempt) and Path(result.folder).parent == Path(task.attempts_dir)
    if own and Path(result.folder).is_dir():
        return result.summary, Path(result.folder)
    if own:
        why = (f"the worker's reports are not in {result.folder}: --out must be on a "
               "filesystem that every worker mounts")
    elif isinstance(result, BaseException):
        why = f"{type(result).__name__}: {result}"
    else:
        why = (f"the grading function returned {type(result).__name__}, not an Attempt in "
               f"{task.attempts_dir}")
    status = (SubmissionStatus.GRADER_CRASHED if isinstance(result, WorkerDied)
              else SubmissionStatus.GRADER_ERROR)
    folder = new_attempt(Path(task.attempts_dir))
    summary = not_graded(folder, task.student_id, status,
                         "The grader failed on this submission; your instructor has been told.",
                         options)
    summary["message"] = why
    return summary, folder


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

    def __init__(self, total: int, reused: int, where: str):
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
        self.progress.console.print(f"grading {total} submissions on {where}")
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
              suite: Path | None = None, probe_timeout: float | None = None,
              total_timeout: float | None = None, assignment: str | None = None,
              executor: str | None = None, executor_options: dict[str, Any] | None = None,
              report: bool = True,
              grade: Callable[[GradeTask], Attempt] = grade_task,
              canvas_id: str | None = None, roster: Path | None = None,
              late_policy: str | None = None, reveal: str | None = None,
              per_case_rows: str | None = None, leaderboard: str | None = None
              ) -> dict[str, Any]:
    """Grade every submission under ``submissions`` into ``out``; return a summary.

    ``jobs``, ``seed``, ``suite``, the timeouts, ``assignment`` (which exercises, and the name
    of the Canvas column), ``executor``, ``canvas_id``, ``late_policy`` and the report options
    are the command line's values (None: not given; see :mod:`grader.settings`);
    ``executor_options`` are the executor's own (``scheduler`` for ``dask``). ``roster`` is a
    roster CSV (:mod:`grader.intake.roster`). ``grade`` grades one task in a worker
    (picklable).
    """
    started = time.perf_counter()
    submissions, out = submissions.resolve(), out.resolve()
    if out == submissions or submissions in out.parents:
        raise ValueError(f"--out {out} lies inside {submissions}: it would be graded as a "
                         "student; choose an output folder outside the submissions")
    suite_root = settings.suite_root(suite)
    ini = settings.suite_ini(suite_root)
    options, board = report_settings(argparse.Namespace(
        reveal=reveal, per_case_rows=per_case_rows, leaderboard=leaderboard), ini)
    config = _Config(
        suite_root=suite_root,
        seed=settings.resolve(settings.SEED, cli=seed, ini=ini).value,
        probe_timeout=settings.resolve(settings.PROBE_TIMEOUT, cli=probe_timeout, ini=ini).value,
        total_timeout=settings.resolve(settings.TOTAL_TIMEOUT, cli=total_timeout, ini=ini).value,
        jobs=settings.resolve(settings.JOBS, cli=jobs, ini=ini).value or default_jobs(),
        assignment=for_suite(suite_root, assignment, ini), report=report,
        executor=settings.resolve(settings.EXECUTOR, cli=executor, ini=ini).value,
        executor_options=dict(executor_options or {}),
        canvas_id=settings.resolve(settings.CANVAS_ID, cli=canvas_id, ini=ini).value,
        roster=Roster.read(roster) if roster else None,
        late_policy=settings.resolve(settings.LATE_POLICY, cli=late_policy, ini=ini).value,
        options=options, leaderboard=board)
    writable_folder(out, "--out")
    lock = _lock(out)  # released when this process ends, however it ends (even SIGKILL)
    try:
        return _run_locked(submissions, out, config, grade=grade, started=started)
    finally:
        os.close(lock)


@dataclass(frozen=True)
class _Config:
    """A batch's settings, resolved once."""

    suite_root: Path
    seed: int
    probe_timeout: float
    total_timeout: float
    jobs: int
    assignment: Assignment
    executor: str
    executor_options: dict[str, Any]
    report: bool
    canvas_id: str | None = None
    roster: Roster | None = None
    late_policy: LatePolicy = LatePolicy()
    options: ReportOptions = ReportOptions()
    leaderboard: bool = False

    def identify(self, found: Found) -> Late | None:
        """Apply the roster to one submission (its student id, for a GitHub Classroom folder;
        names and logins into its meta) and return the late policy's verdict on it."""
        entry = self.roster.find(found.student_id) if self.roster else None
        if entry is not None:
            if found.student_id not in entry.ids and entry.student_id:
                found.meta["folder"] = found.student_id
                found.student_id = entry.student_id
            found.meta.update(entry.meta())
        marked = found.meta.get("late") == "1"
        lateness = entry.lateness(marked) if entry is not None else None
        if lateness is None and marked:
            lateness = Lateness(marked_late=True)
        return self.late_policy.apply(lateness)

    def grading_key(self, late: Late | None) -> str:
        """What else a grade depends on, besides the submission and the suite."""
        return f"{self.options}\0{self.leaderboard}\0{late}"


def _run_locked(submissions: Path, out: Path, config: _Config, *,
                grade: Callable[[GradeTask], Attempt], started: float) -> dict[str, Any]:
    ledger = Ledger(out / "ledger.jsonl")
    previous = ledger.load()
    fingerprint = suite_fingerprint(config.suite_root, config.seed, config.assignment)
    attempts = out / ATTEMPTS
    sweep(attempts)  # a killed run's attempts: none of them was recorded

    entries: dict[str, dict[str, Any]] = {}

    def record(found: Found, key: str, digest: str, summary: dict[str, Any], folder: Path,
               worker: str = "") -> dict[str, Any]:
        """Move the recorded attempt's reports into place (its instructor/ part to
        instructor/<id>, the rest to students/<id>), then append its ledger line."""
        name = safe_dirname(found.student_id)
        if (folder / INSTRUCTOR_PART).is_dir():
            install(folder / INSTRUCTOR_PART, out / "instructor" / name)
        install(folder, out / "students" / name)
        entry = {**_entry(found, key, digest, summary), "attempt": folder.name}
        if worker:
            entry["worker"] = worker
        ledger.append(entry)
        entries[found.student_id] = entry
        return entry

    todo: list[tuple[Found, str, str]] = []
    lates: dict[str, Late | None] = {}
    reused = 0
    found_all = _identified(discover(submissions), config, lates)
    if not found_all:  # a wrong or empty folder must not replace an earlier batch's reports
        raise ValueError(f"{submissions}: no submissions there (one folder, .zip or notebook "
                         "per student, or a Gradescope or Canvas download)")
    for found in found_all:
        digest = content_hash(found)
        extra = config.grading_key(lates[found.student_id])
        key = hashlib.sha256(f"{digest}\0{fingerprint}\0{extra}".encode()).hexdigest()
        old = previous.get(found.student_id)
        if old is not None and old.get("key") == key:
            entries[found.student_id] = {**old, "meta": dict(found.meta)}  # the roster's now
            reused += 1
        elif not found.gradable:
            folder = new_attempt(attempts / safe_dirname(found.student_id))
            summary = not_graded(folder, found.student_id, found.status, found.message,
                                 config.options)
            record(found, key, digest, summary, folder)
        else:
            entries[found.student_id] = {"student_id": found.student_id,
                                         "status": SubmissionStatus.PENDING.value,
                                         "content_hash": digest, "meta": dict(found.meta)}
            todo.append((found, key, digest))

    def book() -> Gradebook:
        return Gradebook.of(entries.values(), config.assignment.name, config.canvas_id,
                            config.assignment.exercises)

    grades_csv.write(book(), out)
    by_id = {found.student_id: (found, key, digest) for found, key, digest in todo}
    hide = (str(submissions), str(out))
    last_csv = time.monotonic()
    if todo:
        pool = make_executor(config.executor, config.jobs, **config.executor_options)
        zygote = _driver_zygote(pool)  # before any thread of this process starts
        tasks = [GradeTask(found.student_id, str(stage(found, out / STAGING)),
                           str(attempts / safe_dirname(found.student_id)),
                           str(config.suite_root), config.seed, hide, config.probe_timeout,
                           config.total_timeout, config.options, config.leaderboard,
                           lates[found.student_id], config.assignment,
                           str(zygote.dir) if zygote is not None else "")
                 for found, _, _ in todo]
        try:
            with _Progress(len(tasks), reused, pool.describe()) as progress:
                for done in pool.run(grade, tasks):
                    found, key, digest = by_id[done.task.student_id]
                    summary, folder = _outcome(done, config.options)
                    entry = record(found, key, digest, summary, folder, done.worker)
                    if time.monotonic() - last_csv >= CSV_EVERY:  # cheap for a big class too
                        grades_csv.write(book(), out)
                        last_csv = time.monotonic()
                    progress.advance(bool(entry.get("graded")))
        except KeyboardInterrupt:
            grades_csv.write(book(), out)  # what finished, as the ledger keeps it
            raise
        finally:
            pool.close()
            if zygote is not None:
                zygote.close()
    shutil.rmtree(out / STAGING, ignore_errors=True)
    sweep(attempts)  # what is left is a zombie's: never recorded

    final = book()
    write_class_reports(final, out, ["grades", "canvas", *(["report"] if config.report else [])])
    seconds = time.perf_counter() - started
    statuses: dict[str, int] = {}
    for entry in final.entries:
        statuses[entry["status"]] = statuses.get(entry["status"], 0) + 1
    return {"students": len(final.entries), "graded": len(todo), "reused": reused,
            "statuses": statuses, "seconds": seconds, "out": out}


def _identified(found: list[Found], config: _Config,
                lates: dict[str, Late | None]) -> list[Found]:
    """The submissions with the roster applied (see :meth:`_Config.identify`); a folder the
    roster maps onto an id that another submission already has keeps its own name."""
    taken = {f.student_id for f in found}
    out = []
    for item in found:
        original = item.student_id
        late = config.identify(item)
        if item.student_id != original and item.student_id in taken:
            item.student_id = original
        taken.add(item.student_id)
        lates[item.student_id] = late
        out.append(item)
    return out


def main(args: argparse.Namespace) -> int:
    try:
        summary = run_batch(args.submissions, args.out, jobs=args.jobs, seed=args.seed,
                            suite=args.suite, probe_timeout=args.probe_timeout,
                            total_timeout=args.total_timeout, assignment=args.assignment,
                            executor=args.executor, report=not args.no_report,
                            executor_options={"scheduler": args.scheduler,
                                              "scheduler_file": args.scheduler_file},
                            canvas_id=args.canvas_id, roster=args.roster,
                            late_policy=args.late_policy, reveal=args.reveal,
                            per_case_rows=args.per_case_rows, leaderboard=args.leaderboard)
    except (ValueError, ExecutorError, FileNotFoundError, NotADirectoryError) as exc:
        print(f"grader batch: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"grader batch: interrupted; every submission graded so far is kept in "
              f"{args.out} (ledger.jsonl, grades.csv): run the same command again to grade "
              "the rest", file=sys.stderr)
        return 130
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
