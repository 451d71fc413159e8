"""``grader run SUBMISSION``: grade one submission in isolation and write its reports.

The submission (a folder or a .zip) is made safe (:mod:`grader.submission`), then the suite
runs in a pytest subprocess of the trusted grader with ``--isolated``: student code runs only
in sandbox children (:mod:`grader.sandbox`), and only this process and its pytest child write
results. Written to ``--out``: ``records.json`` (one record per test), ``junit.xml``,
``results.json`` (Gradescope), ``feedback.md``/``feedback.html`` and ``pytest.log``.

Exit status, for GitHub Classroom and scripts:
    0  graded, full marks
    1  graded, points lost
    2  could not grade: a bad submission (invalid or unsafe zip, empty, no module imports)
       or an internal error (the suite did not run, or ran past the total time limit)

The hidden tests' seed is ``--seed``, else ``$GRADSPEC_SEED``, else a fixed default
(:data:`DEFAULT_SEED`): set one for real grading, or students can learn the hidden inputs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import scoring
from grader.launch import FreshPytest, PytestLauncher
from grader.sandbox import HIDE_ENV, expected_protections
from grader.submission import prepare_submission

#: Seed of the hidden tests when none is given: fine for trying the grader, not for grading.
DEFAULT_SEED = 20261124
SEED_ENV = "GRADSPEC_SEED"
_IMPORT_STATUSES = {"import error", "module missing"}
#: pytest plugins a grading run does without. ``logging`` attaches its capture handler to
#: every non-propagating logger around each test phase (torch has dozens: 0.35 s of a 3.4 s
#: run); ``unraisableexception`` runs gc.collect() repeatedly at exit. Nothing the grader
#: reads (records, junit.xml, the log) comes from either.
FAST_PYTEST = ("-p", "no:logging", "-p", "no:unraisableexception")


@dataclass
class GradeOutcome:
    """What grading one submission gave; ``status`` is "ok" or why it was not graded."""

    submission: Path
    status: str
    score: float
    max_score: float
    per_exercise: dict[str, tuple[float, float]]
    submission_hash: str
    out_dir: Path
    execution_time: float
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def exit_status(self) -> int:
        """0 full marks, 1 points lost, 2 not graded."""
        if self.status != "ok":
            return 2
        return 0 if self.max_score > 0 and self.score >= self.max_score else 1


def resolve_seed(seed: int | None) -> int:
    """``seed``, else ``$GRADSPEC_SEED``, else :data:`DEFAULT_SEED`."""
    if seed is not None:
        return int(seed)
    if os.environ.get(SEED_ENV):
        return int(os.environ[SEED_ENV])
    return DEFAULT_SEED


def _pytest_env(hide: Sequence[Path]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADSPEC_")}
    env[HIDE_ENV] = os.pathsep.join(str(Path(p).resolve()) for p in hide)
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    return env


def run_suite(impl: Path, out_dir: Path, *, suite_root: Path, seed: int, probe_timeout: float,
              hide_paths: Sequence[Path], total_timeout: float,
              launcher: PytestLauncher | None = None) -> tuple[int | None, str]:
    """Run the suite against ``impl`` in a pytest child process; (exit code or None, its log)."""
    args = [str(suite_root / "spec_tests"),
            "--impl", str(impl), "--isolated", "--grading-seed", str(seed),
            "--probe-timeout", f"{probe_timeout:g}",
            "--gradspec-results", str(out_dir / "records.json"),
            "--junitxml", str(out_dir / "junit.xml"),
            "-p", "no:cacheprovider", "-q", *FAST_PYTEST]
    return (launcher or FreshPytest()).run(args, cwd=suite_root, env=_pytest_env(hide_paths),
                                           timeout=total_timeout)


def exercise_problems(records: list[dict[str, Any]]) -> dict[str, str]:
    """Exercises that could not be tested at all, with why: every applicable case of the
    exercise failed with the same harness status (import error, timeout, module missing...)."""
    by_exercise: dict[str, set[str]] = {}
    for rec in records:
        if rec.get("points") and rec.get("outcome") != "skipped":
            status = str(rec.get("status")) if rec.get("outcome") == "failed" else "passed"
            by_exercise.setdefault(str(rec["exercise"]), set()).add(status)
    return {name: statuses.pop() for name, statuses in sorted(by_exercise.items())
            if len(statuses) == 1 and next(iter(statuses)) not in
            ("passed", "failed", "raised an exception", "not implemented")}


def _read_records(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("records"), list) else None


def grade_submission(submission: Path, out_dir: Path, *, suite_root: Path,
                     seed: int | None = None, probe_timeout: float = 30.0,
                     hide_paths: Sequence[Path] = (), total_timeout: float = 900.0,
                     launcher: PytestLauncher | None = None) -> GradeOutcome:
    """Grade one submission in isolation, write its reports into ``out_dir``.

    ``launcher`` starts the pytest run (default: a fresh interpreter; a batch worker passes
    a :class:`grader.launch.ForkedPytest` that has the heavy imports done already).
    """
    start = time.monotonic()
    submission, out_dir, suite_root = Path(submission), Path(out_dir), Path(suite_root).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in ("records.json", "junit.xml", "results.json"):
        (out_dir / stale).unlink(missing_ok=True)
    work = Path(tempfile.mkdtemp(prefix="gradspec-run-"))
    try:
        prepared = prepare_submission(submission, work / "submission")
        code, log = None, f"not graded: {prepared.message}\n"
        if prepared.status == "ok":  # a bad submission is not worth a suite run
            hide = [*hide_paths, out_dir, submission, work]
            code, log = run_suite(prepared.path, out_dir, suite_root=suite_root,
                                  seed=resolve_seed(seed), probe_timeout=probe_timeout,
                                  hide_paths=hide, total_timeout=total_timeout,
                                  launcher=launcher)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    (out_dir / "pytest.log").write_text(log)
    data = _read_records(out_dir / "records.json")
    status, message = prepared.status, prepared.message
    if status == "ok" and data is not None and code in (0, 1) and not any(
            r.get("points") for r in data["records"]):
        code = -1  # ran, but graded nothing: the suite is broken, not the submission
    if status == "ok" and (data is None or code not in (0, 1)):
        # 0/1: every test ran. Anything else (collection errors, a usage error, the total
        # time limit) is the grader's problem, never the student's: do not grade.
        status = "timeout" if code is None else "internal error"
        message = ("the grading run exceeded its total time limit" if code is None else
                   f"the suite did not run to the end (pytest exit status {code}); "
                   "see pytest.log")
    if data is None:
        data = {"records": []}
    records = [r for r in data["records"] if r.get("points")]
    if status == "ok" and records and all(
            r["outcome"] == "failed" and r.get("status") in _IMPORT_STATUSES for r in records):
        status = "import error"
        message = "no module of the submission could be imported"
    score = scoring.summarise(records)
    execution_time = time.monotonic() - start
    payload = dict(data)
    payload["submission"] = {"path": str(submission), "hash": prepared.hash, "status": status,
                             "message": message}
    payload["execution_time"] = round(execution_time, 3)
    payload["protections"] = expected_protections()
    payload["message"] = message
    _write_reports(payload, out_dir)
    return GradeOutcome(
        submission=submission, status=status, score=score.earned, max_score=score.possible,
        per_exercise={n: (e.earned, e.possible) for n, e in score.exercises.items()},
        submission_hash=prepared.hash, out_dir=out_dir, execution_time=execution_time,
        payload=payload)


def _write_reports(payload: dict[str, Any], out_dir: Path) -> None:
    try:
        from grader.reports import write_reports
    except ImportError:  # reports not installed: the records are still there
        (out_dir / "payload.json").write_text(json.dumps(payload, indent=1))
        return
    write_reports(payload, out_dir)


def default_suite_root() -> Path:
    """The suite next to the installed grader (a checkout), else the current folder."""
    here = Path(__file__).resolve().parent.parent
    return here if (here / "spec_tests").is_dir() else Path.cwd()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submission", type=Path, help="a folder or a .zip of the student's files")
    parser.add_argument("--out", type=Path, default=Path("out/run"),
                        help="folder for results.json, junit.xml, feedback.md (default out/run)")
    parser.add_argument("--seed", type=int, default=None,
                        help=f"seed of the hidden tests (env {SEED_ENV}; the default "
                             f"{DEFAULT_SEED} is public: set one for real grading)")
    parser.add_argument("--suite", type=Path, default=None,
                        help="root of the spec suite (holds spec_tests/; default: this checkout)")
    parser.add_argument("--probe-timeout", type=float, default=30.0,
                        help="wall-clock seconds one probe call may take (default 30)")
    parser.add_argument("--total-timeout", type=float, default=900.0,
                        help="wall-clock seconds the whole run may take (default 900)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="accepted for symmetry with `grader batch`; one submission runs "
                             "its tests one at a time")


def main(args: argparse.Namespace) -> int:
    suite = (args.suite or default_suite_root()).resolve()
    outcome = grade_submission(args.submission, args.out, suite_root=suite, seed=args.seed,
                               probe_timeout=args.probe_timeout,
                               total_timeout=args.total_timeout)
    print(f"grader run: {args.submission}: status {outcome.status}, "
          f"{scoring.fmt_points(outcome.score)} / {scoring.fmt_points(outcome.max_score)} points")
    for name, (earned, possible) in sorted(outcome.per_exercise.items()):
        print(f"  {name:<12} {scoring.fmt_points(earned):>6} / {scoring.fmt_points(possible)}")
    if outcome.payload.get("submission", {}).get("message"):
        print(f"  {outcome.payload['submission']['message']}")
    print("  sandbox: " + ("; ".join(outcome.payload.get("protections") or ["unknown"])))
    print(f"  reports in {outcome.out_dir} ({outcome.execution_time:.1f} s)")
    return outcome.exit_status
