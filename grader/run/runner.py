"""``grader run SUBMISSION``: grade one submission in isolation and write its reports.

The submission (a folder, a .zip or a notebook) is made safe (:mod:`grader.intake.submission`,
which builds the exercise modules of its notebooks), then the suite runs in a pytest
subprocess of the trusted grader with ``--isolated``: student code runs only in sandbox
children (:mod:`grader.sandbox`), and only this process and its pytest
child write results. The pytest child records every graded case; this process builds the
run's one :class:`grader.result.RunResult` from those records and renders every report from
it (:mod:`grader.reports.run`).

The pytest child appends to its records file as each test finishes, so a run stopped at the
total time limit (or killed) is graded from the tests that finished: they keep their points,
the rest fail as not run, and the status says ``grading stopped at N s: remaining tests not
run`` (:func:`grader.result.build` decides). Asked for ``live_reports``, this process also
keeps ``out_dir/results.json`` current from those records while the child runs
(:mod:`grader.run.live`), for a platform that may kill the whole run.

Exit status, for GitHub Classroom and scripts:
    0  graded, full marks
    1  graded, points lost (a run stopped part way included)
    2  could not grade: a bad submission (invalid or unsafe zip, empty, no module imports)
       or an internal error (the suite did not run)
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from pathlib import Path

from grader import result as grade
from grader import settings
from grader.assignment import ALL_EXERCISES, Assignment, for_suite, suite_exercises
from grader.atomic import writable_folder
from grader.intake.api import ExerciseApi, graded_suite_api
from grader.intake.submission import prepare_submission
from grader.late import Late
from grader.leaderboard import LeaderboardEntry
from grader.outcome import Reveal
from grader.reports.run import LIVE_REPORTS, ReportOptions, write_run_reports
from grader.reports.text import printable
from grader.result import RunResult, Submission
from grader.run.launch import FreshPytest, PytestLauncher
from grader.run.live import LiveReports
from grader.sandbox import HIDE_ENV, Zygote, expected_protections, process_zygote, start_zygote
from grader.scoring import fmt_points

#: pytest plugins a grading run does without. ``logging`` attaches its capture handler to
#: every non-propagating logger around each test phase (torch has dozens: 0.35 s of a 3.4 s
#: run); ``unraisableexception`` runs gc.collect() repeatedly at exit. Nothing the grader
#: reads comes from either.
FAST_PYTEST = ("-p", "no:logging", "-p", "no:unraisableexception")
RECORDS = "records.json"


def _pytest_env(hide: Sequence[Path], zygote: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADSPEC_")}
    env[HIDE_ENV] = os.pathsep.join(str(Path(p).resolve()) for p in hide)
    env.update(zygote)
    # Bytecode is written as pytest usually does, whatever the caller's environment says:
    # the suite's test modules are rewritten for assertions once, into the suite's
    # __pycache__, and every later run reads them back. Nothing in them depends on a
    # submission, and sandbox children never see the suite.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _early_zygote(launcher: PytestLauncher | None) -> Zygote | None:
    """The zygote of a run in a fresh interpreter, started before the submission is read:
    it imports torch while this process reads the submission and the pytest run starts,
    instead of after (None: the process has one, e.g. a batch worker's, or it is off)."""
    if launcher is not None or process_zygote() is not None:
        return None
    return start_zygote() if settings.resolve(settings.ZYGOTE).value else None


def _zygote_env(zygote: Zygote | None) -> dict[str, str]:
    """How the pytest run learns this process's zygote setting (its environment keeps no
    other ``GRADSPEC_`` variable)."""
    if not settings.resolve(settings.ZYGOTE).value:
        return {settings.ZYGOTE.env: "0"}
    return {settings.ZYGOTE_DIR.env: str(zygote.dir)} if zygote is not None else {}


def run_suite(impl: Path, records: Path, *, suite_root: Path, seed: int, probe_timeout: float,
              hide_paths: Sequence[Path], total_timeout: float,
              launcher: PytestLauncher | None = None,
              leaderboard: bool = False,
              assignment: Assignment = ALL_EXERCISES,
              zygote: Zygote | None = None) -> tuple[int | None, str]:
    """Run the suite (``assignment``'s exercises) against ``impl`` in a pytest child process
    (its sandbox children forked from ``zygote``, when given); (exit code or None, its
    log)."""
    args = [str(suite_root / "spec_tests"),
            "--impl", str(impl), "--isolated", "--grading-seed", str(seed),
            "--probe-timeout", f"{probe_timeout:g}", "--gradspec-results", str(records),
            *assignment.pytest_args(), "-p", "no:cacheprovider", "-q", *FAST_PYTEST,
            *(["--leaderboard"] if leaderboard else [])]
    env = _pytest_env(hide_paths, _zygote_env(zygote))
    return (launcher or FreshPytest()).run(args, cwd=suite_root, env=env, timeout=total_timeout)


def grade_submission(submission: Path, out_dir: Path, *, suite_root: Path, seed: int,
                     probe_timeout: float = settings.PROBE_TIMEOUT.default,
                     hide_paths: Sequence[Path] = (),
                     total_timeout: float = settings.TOTAL_TIMEOUT.default,
                     launcher: PytestLauncher | None = None,
                     options: ReportOptions | None = None, leaderboard: bool = False,
                     late: Late | None = None,
                     instructor_dir: Path | None = None,
                     live_reports: bool = False,
                     assignment: Assignment = ALL_EXERCISES) -> RunResult:
    """Grade one submission in isolation (``assignment``'s exercises: default every one),
    write its reports into ``out_dir``, return its grade.

    ``launcher`` starts the pytest run (default: a fresh interpreter; a batch worker passes
    a :class:`grader.run.launch.ForkedPytest` that has the heavy imports done already).
    ``options`` says how the reports are written (the reveal policy among them),
    ``leaderboard`` whether the suite's leaderboard tests run, ``late`` the late policy's
    verdict on this submission; ``grade.json`` and ``pytest.log``, which hold everything,
    go to ``instructor_dir`` (default ``out_dir``).
    ``live_reports``: keep ``out_dir``'s live reports current while the suite runs.
    """
    start = time.monotonic()
    submission, out_dir, suite_root = Path(submission), Path(out_dir), Path(suite_root).resolve()
    private = Path(instructor_dir) if instructor_dir else out_dir
    for folder in (out_dir, private):
        folder.mkdir(parents=True, exist_ok=True)
    zygote = _early_zygote(launcher)
    work = Path(tempfile.mkdtemp(prefix="gradspec-run-"))
    found: tuple[list[grade.TestRecord], dict] | None = None
    code: int | None = 0

    def graded(found: tuple[list[grade.TestRecord], dict] | None, code: int | None
               ) -> RunResult:
        """The grade of the records as they stand, ``code`` None: stopped there."""
        records, facts = found or ([], {})
        board = [LeaderboardEntry.from_json(e) for e in facts.get("leaderboard", [])]
        elapsed = time.monotonic() - start
        return grade.build(records, intake, exit_code=code,
                           stopped=grade.stopped_message(elapsed),
                           protections=expected_protections(), execution_time=elapsed,
                           mode="isolated", impl=str(submission), late=late, leaderboard=board,
                           sandbox_cpu_seconds=_seconds(facts.get("sandbox_cpu_seconds")))

    def write_live(records: list[grade.TestRecord], facts: dict) -> None:
        write_run_reports(graded((records, facts), None), out_dir, options, names=LIVE_REPORTS)

    try:
        prepared = prepare_submission(submission, work / "submission",
                                      api=assignment_api(suite_root, assignment))
        intake = Submission(path=str(submission), hash=prepared.hash, status=prepared.status,
                            message=prepared.message, notes=tuple(prepared.notes))
        log = f"not graded: {prepared.message}\n"
        if prepared.status.gradable:  # a bad submission is not worth a suite run
            hide = [*hide_paths, out_dir, private, submission, work]
            with LiveReports(work / RECORDS, write_live) if live_reports else nullcontext():
                code, log = run_suite(prepared.path, work / RECORDS, suite_root=suite_root,
                                      seed=seed, probe_timeout=probe_timeout, hide_paths=hide,
                                      total_timeout=total_timeout, launcher=launcher,
                                      leaderboard=leaderboard, assignment=assignment,
                                      zygote=zygote)
            found = grade.read_records(work / RECORDS)
            if found is None and code in (0, 1):
                code = -1  # it claims to have run, but left no records: the grader's problem
            elif found is not None and found[1].get("exitstatus") is None:
                code = None  # pytest was cut short (killed): grade the tests that finished
    finally:
        if zygote is not None:
            zygote.close()
        shutil.rmtree(work, ignore_errors=True)
    (private / "pytest.log").write_text(printable(log))  # it quotes the submission's output
    result = graded(found, code)
    write_run_reports(result, out_dir, options, instructor_dir=private)
    return result


def assignment_api(suite_root: Path, assignment: Assignment) -> ExerciseApi:
    """The exercise API a submission is read for: the assignment's exercises' modules (and
    any module no exercise is named after), so that notes speak of nothing else."""
    api = graded_suite_api(suite_root)
    if assignment.exercises is None:
        return api
    exercises = set(suite_exercises(suite_root))
    return api.without(m for m in api.modules if m in exercises and not assignment.includes(m))


def _seconds(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and value >= 0 else None


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of how a run is reported (every grading command has them)."""
    settings.add_option(parser, settings.REVEAL, "--reveal",
                        choices=[r.value for r in Reveal])
    settings.add_option(parser, settings.PER_CASE_ROWS, "--per-case-rows", action="store_const",
                        const="1")
    settings.add_option(parser, settings.LEADERBOARD, "--leaderboard", action="store_const",
                        const="1")


def report_settings(args: argparse.Namespace, ini: dict) -> tuple[ReportOptions, bool]:
    """The report options and whether the leaderboard runs, resolved once (command line >
    environment > ini > default); raises :class:`grader.settings.SettingError`."""
    reveal = settings.resolve(settings.REVEAL, cli=args.reveal, ini=ini).value
    rows = settings.resolve(settings.PER_CASE_ROWS, cli=args.per_case_rows, ini=ini).value
    board = settings.resolve(settings.LEADERBOARD, cli=args.leaderboard, ini=ini).value
    return ReportOptions(reveal=reveal, per_case_rows=rows), board


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submission", type=Path,
                        help="a folder or a .zip of the student's files, or a notebook")
    parser.add_argument("--out", type=Path, default=Path("out/run"),
                        help="folder for results.json, junit.xml, feedback.md (default out/run)")
    settings.add_option(parser, settings.SEED, "--seed", type=int)
    settings.add_option(parser, settings.SUITE, "--suite", type=Path)
    settings.add_option(parser, settings.PROBE_TIMEOUT, "--probe-timeout", type=float)
    settings.add_option(parser, settings.TOTAL_TIMEOUT, "--total-timeout", type=float)
    add_report_arguments(parser)
    settings.add_option(parser, settings.ASSIGNMENT, "--assignment", metavar="NAME",
                        default="every exercise")


def print_result(prog: str, result: RunResult, out_dir: Path) -> None:
    """The run's grade on the terminal, from the same result the reports were written from."""
    print(f"{prog}: {result.submission.path}: status {result.status_line}, "
          f"{fmt_points(result.score)} / {fmt_points(result.max_score)} points")
    width = max((len(ex.name) for ex in result.exercises), default=0) + 1
    for ex in result.exercises:
        print(f"  {ex.name:<{width}} {fmt_points(ex.earned):>6} / {fmt_points(ex.possible)}")
    if result.late:
        print(f"  late: {result.late.note}; before the penalty "
              f"{fmt_points(result.raw_score)} points")
    if result.message:
        print(f"  {result.message}")
    for note in result.submission.notes:
        print(f"  {note}")
    print("  sandbox: " + ("; ".join(result.protections) or "unknown"))
    cpu = ("" if result.sandbox_cpu_seconds is None else
           f"; the submission's code: {result.sandbox_cpu_seconds:.1f} CPU s")
    print(f"  reports in {out_dir} ({result.execution_time:.1f} s{cpu})")


def main(args: argparse.Namespace) -> int:
    try:
        suite = settings.suite_root(args.suite)
        ini = settings.suite_ini(suite)
        seed = settings.resolve(settings.SEED, cli=args.seed, ini=ini)
        probe = settings.resolve(settings.PROBE_TIMEOUT, cli=args.probe_timeout, ini=ini)
        total = settings.resolve(settings.TOTAL_TIMEOUT, cli=args.total_timeout, ini=ini)
        options, leaderboard = report_settings(args, ini)
        assignment = for_suite(suite, args.assignment, ini)
    except settings.SettingError as exc:
        print(f"grader run: {exc}", file=sys.stderr)
        return 2
    writable_folder(args.out, "--out")
    if seed.source is settings.Source.DEFAULT:
        print(f"grader run: no grading seed given: the hidden tests use the public default "
              f"{seed.value} ({settings.SEED.env} or --seed for real grading)", file=sys.stderr)
    result = grade_submission(args.submission, args.out, suite_root=suite, seed=seed.value,
                              probe_timeout=probe.value, total_timeout=total.value,
                              options=options, leaderboard=leaderboard, assignment=assignment)
    print_result("grader run", result, args.out)
    return result.exit_status
