"""``grader gradescope``: Gradescope's ``run_autograder``.

Grades ``ROOT/submission`` (a folder of files, or a folder holding one .zip) in isolation with
the runner and writes ``ROOT/results/results.json`` plus ``feedback.md``/``feedback.html`` next
to it. The hidden tests' seed comes from ``GRADSPEC_SEED`` or a file outside the submission
(``ROOT/source/grading_seed`` by default), never from anything the student uploads. A grader
failure still leaves a ``results.json`` that says so, and a non-zero exit for the instructor.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from grader.reports import write_reports
from grader.reports.model import build_view
from grader.scoring import fmt_points

DEFAULT_ROOT = Path("/autograder")
SEED_ENV = "GRADSPEC_SEED"
SEED_FILE = "grading_seed"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT,
                        help="Gradescope's folder: ROOT/submission in, ROOT/results out "
                             "(default /autograder)")
    parser.add_argument("--suite", type=Path, default=None, metavar="DIR",
                        help="the spec suite (default ROOT/source, where Gradescope unpacks "
                             "the autograder zip)")
    parser.add_argument("--seed-file", type=Path, default=None,
                        help=f"file holding the grading seed when ${SEED_ENV} is unset "
                             f"(default ROOT/source/{SEED_FILE})")
    parser.add_argument("--probe-timeout", type=float, default=30.0,
                        help="wall-clock seconds one probe call may take (default 30)")
    parser.add_argument("--total-timeout", type=float, default=540.0,
                        help="seconds the whole grading may take; keep it under the "
                             "assignment's Gradescope timeout (default 540)")


def grading_seed(seed_file: Path) -> int | None:
    """The seed of the hidden tests: ``$GRADSPEC_SEED``, else the seed file, else None."""
    text = os.environ.get(SEED_ENV, "").strip()
    if not text and seed_file.is_file():
        text = seed_file.read_text(encoding="utf-8").strip()
    if not text:
        return None
    try:
        return int(text, 0)
    except ValueError as exc:
        raise SystemExit(f"grader gradescope: the grading seed {text!r} is not an integer") from exc


def submission_path(submission_dir: Path) -> Path:
    """What to grade: the upload folder, or the one .zip that is all it holds."""
    entries = [p for p in submission_dir.iterdir() if not p.name.startswith(".")] \
        if submission_dir.is_dir() else []
    if len(entries) == 1 and entries[0].is_file() and entries[0].suffix.lower() == ".zip":
        return entries[0]
    return submission_dir


def failure_payload(submission: Path, status: str, message: str,
                    execution_time: float) -> dict[str, Any]:
    """The payload of a run that produced no records: score 0, and why."""
    return {"records": [], "execution_time": execution_time, "protections": [],
            "submission": {"path": str(submission), "hash": "", "status": status,
                           "message": message}}


def main(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve()
    suite = Path(args.suite).resolve() if args.suite else root / "source"
    results_dir = root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    seed_file = Path(args.seed_file) if args.seed_file else suite / SEED_FILE
    seed = grading_seed(seed_file)
    submission = submission_path(root / "submission")
    start = time.monotonic()
    try:
        from grader.runner import grade_submission

        outcome = grade_submission(
            submission, results_dir, suite_root=suite, seed=seed,
            probe_timeout=float(args.probe_timeout),
            hide_paths=tuple(p for p in (seed_file.resolve(), results_dir) if p.exists()),
            total_timeout=float(args.total_timeout))
        payload = outcome.payload
    except Exception:  # the grader's own failure: say so in the results, not only in a log
        traceback.print_exc()
        payload = failure_payload(submission, "grader error",
                                  "The autograder itself failed on this submission; your "
                                  "instructor has been shown the error.",
                                  time.monotonic() - start)
        write_reports(payload, results_dir)
        return 1
    write_reports(payload, results_dir)
    view = build_view(payload)
    print(f"grader gradescope: {submission} graded, status "
          f"{view.submission.get('status', 'ok')}, {fmt_points(view.score)} / "
          f"{fmt_points(view.max_score)} points -> {results_dir / 'results.json'}")
    return 0


if __name__ == "__main__":  # run_autograder may call ``python -m grader.gradescope``
    parser = argparse.ArgumentParser(prog="grader gradescope")
    add_arguments(parser)
    sys.exit(main(parser.parse_args()))
