"""``grader gradescope``: Gradescope's ``run_autograder``.

Grades ``ROOT/submission`` (a folder of files, or a folder holding one .zip) in isolation with
the runner and writes ``ROOT/results/results.json`` plus the other reports next to it. The
hidden tests' seed is resolved like every setting (``--seed-file``'s content, else
``$GRADSPEC_SEED``, else the suite's ini, else the file the autograder zip carries,
``ROOT/source/grading_seed``), never from anything the student uploads. The late policy
(``--late-policy``, ``$GRADSPEC_LATE_POLICY``, ini ``gradspec_late_policy``) is applied to
the submission's times in Gradescope's ``ROOT/submission_metadata.json``. A grader failure
still leaves a ``results.json`` that says so, and a non-zero exit for the instructor; and
``results.json`` is kept current while the suite runs, so that Gradescope's own timeout or an
out-of-memory kill of the whole run still shows every test that finished.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path

from grader import result as grade
from grader import settings
from grader.assignment import for_suite
from grader.atomic import writable_folder
from grader.late import Lateness
from grader.outcome import SubmissionStatus
from grader.reports.run import write_run_reports
from grader.result import Submission
from grader.run.runner import (
    add_report_arguments,
    grade_submission,
    print_result,
    report_settings,
)

DEFAULT_ROOT = Path("/autograder")
SEED_FILE = "grading_seed"
METADATA = "submission_metadata.json"
#: Gradescope's default autograder timeout is 10 minutes: stop grading well before it.
GRADESCOPE_TOTAL_TIMEOUT = 540.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT,
                        help="Gradescope's folder: ROOT/submission in, ROOT/results out "
                             "(default /autograder)")
    parser.add_argument("--suite", type=Path, default=None, metavar="DIR",
                        help="the spec suite (default ROOT/source, where Gradescope unpacks "
                             "the autograder zip)")
    parser.add_argument("--seed-file", type=Path, default=None,
                        help=f"file holding the grading seed (default ROOT/source/{SEED_FILE}, "
                             f"used when ${settings.SEED.env} is unset)")
    settings.add_option(parser, settings.PROBE_TIMEOUT, "--probe-timeout", type=float)
    settings.add_option(parser, settings.ASSIGNMENT, "--assignment", metavar="NAME",
                        default="every exercise")
    settings.add_option(parser, settings.TOTAL_TIMEOUT, "--total-timeout", type=float,
                        default=f"{GRADESCOPE_TOTAL_TIMEOUT:g}: keep it under the "
                                "assignment's Gradescope timeout")
    settings.add_option(parser, settings.LATE_POLICY, "--late-policy", metavar="POLICY")
    add_report_arguments(parser)


def read_lateness(root: Path) -> Lateness | None:
    """The submission's times from ``ROOT/submission_metadata.json`` (None: no such file, or
    one that cannot be read: then no late policy applies)."""
    try:
        data = json.loads((root / METADATA).read_text(encoding="utf-8"))
        return Lateness.from_gradescope(data) if isinstance(data, dict) else None
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def read_seed_file(path: Path) -> str | None:
    """The seed text in ``path``, or None when there is no such file (or it is empty)."""
    if not path.is_file():
        return None
    return path.read_text(encoding="utf-8").strip() or None


def grading_seed(seed_file: Path | None, default_file: Path,
                 ini: dict | None = None) -> settings.Setting:
    """The hidden tests' seed: ``--seed-file``, else ``$GRADSPEC_SEED``, else the ini, else the
    autograder zip's seed file, else the public default. A ``seed_file`` named but missing
    (or empty) is a :class:`settings.SettingError`: never the public default in its place."""
    named = read_seed_file(seed_file) if seed_file else None
    if seed_file and named is None:
        raise settings.SettingError(f"--seed-file {seed_file}: no such file, or empty")
    return settings.resolve(settings.SEED, cli=named, ini=ini,
                            default=read_seed_file(default_file),
                            default_from=f"file {default_file}")


def submission_path(submission_dir: Path) -> Path:
    """What to grade: the upload folder, or the one .zip that is all it holds."""
    entries = [p for p in submission_dir.iterdir() if not p.name.startswith(".")] \
        if submission_dir.is_dir() else []
    if len(entries) == 1 and entries[0].is_file() and entries[0].suffix.lower() == ".zip":
        return entries[0]
    return submission_dir


def main(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve()
    suite = Path(args.suite).resolve() if args.suite else root / "source"
    results_dir = writable_folder(root / "results", "--root's results folder")
    default_file = suite / SEED_FILE
    seed_file = Path(args.seed_file) if args.seed_file else default_file
    try:
        suite = settings.suite_root(suite)
        ini = settings.suite_ini(suite)
        seed = grading_seed(seed_file if args.seed_file else None, default_file, ini)
        probe = settings.resolve(settings.PROBE_TIMEOUT, cli=args.probe_timeout, ini=ini)
        total = settings.resolve(settings.TOTAL_TIMEOUT, cli=args.total_timeout, ini=ini,
                                 default=GRADESCOPE_TOTAL_TIMEOUT)
        late_policy = settings.resolve(settings.LATE_POLICY, cli=args.late_policy, ini=ini).value
        options, leaderboard = report_settings(args, ini)
        assignment = for_suite(suite, args.assignment, ini)
    except settings.SettingError as exc:
        raise SystemExit(f"grader gradescope: {exc}") from None
    if seed.source is settings.Source.DEFAULT:
        print(f"grader gradescope: no grading seed found: the hidden tests use the public "
              f"default {seed.value} ({default_file}, --seed-file or {settings.SEED.env})",
              file=sys.stderr)
    submission = submission_path(root / "submission")
    start = time.monotonic()
    hide = tuple(p for p in (seed_file.resolve(), default_file.resolve(), results_dir)
                 if p.exists())
    try:
        result = grade_submission(submission, results_dir, suite_root=suite, seed=seed.value,
                                  probe_timeout=probe.value, hide_paths=hide,
                                  total_timeout=total.value, options=options,
                                  leaderboard=leaderboard,
                                  late=late_policy.apply(read_lateness(root)),
                                  live_reports=True, assignment=assignment)
    except Exception:  # the grader's own failure: say so in the results, not only in a log
        traceback.print_exc()
        failed = grade.build([], Submission(
            path=str(submission), status=SubmissionStatus.GRADER_ERROR,
            message="The autograder itself failed on this submission; your instructor has "
                    "been shown the error."), execution_time=time.monotonic() - start)
        write_run_reports(failed, results_dir, options)
        return 1
    print_result("grader gradescope", result, results_dir)
    return 0


if __name__ == "__main__":  # run_autograder may call ``python -m grader.autograder``
    parser = argparse.ArgumentParser(prog="grader gradescope")
    add_arguments(parser)
    sys.exit(main(parser.parse_args()))
