"""``grader validate``: proof that the spec suite is sound.

The reference must earn every possible point (skips only for absent devices), the student
template none, every mutant (``tests/mutants/<exercise>/<name>/``, a known-wrong
implementation) must lose points on its exercise and fail each test its ``CATCHES`` file
names (``test_name = 0``: every case of it, so that it scores 0 there), and every
alternative (``tests/alternatives/<exercise>/<name>/``, a different correct implementation)
must earn its exercise's full points. Each run is a local-mode pytest subprocess of the suite
with ``--gradspec-results`` (trusted code: these are our own files).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from pathlib import Path

from grader import corpus, scoring, settings
from grader import result as grade
from grader.assignment import ALL_EXERCISES, Assignment, for_suite
from grader.outcome import TestOutcome
from grader.result import GradedTest, RunResult
from grader.run.executors import default_jobs

SPEC_DIR = "spec_tests"
REFERENCE_DIR = "reference"
TEMPLATE_DIR = "student_template"
MUTANTS_DIR = Path("tests", "mutants")
ALTERNATIVES_DIR = Path("tests", "alternatives")
CATCHES_FILE = "CATCHES"
#: A skip the reference may have: the device it needs is not on this machine.
_DEVICE_SKIP = re.compile(r"\b(cuda|mps|gpu|xpu|device)\b.*\b(not available|unavailable|absent)\b",
                          re.IGNORECASE)


class SuiteError(RuntimeError):
    """The suite itself could not run (collection error, crash): no verdict is possible."""


class JobKind(StrEnum):
    """What an implementation is, which says what it must achieve."""

    REFERENCE = "reference"  # every case passes
    TEMPLATE = "template"  # earns nothing
    MUTANT = "mutant"  # loses points (overrides of the reference, with a CATCHES file)
    ALTERNATIVE = "alternative"  # a different correct implementation: 100 % of its exercise


@dataclass(frozen=True)
class Job:
    """One implementation to grade and what it must achieve."""

    kind: JobKind
    impl_dir: Path
    exercise: str | None = None  # mutants and alternatives: graded on this exercise only
    name: str = ""

    @property
    def id(self) -> str:
        """``mutant-<exercise>-<name>``, ``reference``: the pytest id of the case."""
        return "-".join(p for p in (self.kind, self.exercise, self.name) if p)


@dataclass
class Verdict:
    """Whether a job's implementation scored as it must, and why not."""

    job: Job
    ok: bool
    earned: Fraction = Fraction(0)
    possible: Fraction = Fraction(0)
    problems: list[str] = field(default_factory=list)

    @property
    def detail(self) -> str:
        return "; ".join(self.problems) if self.problems else "as required"


# --- finding what to validate -------------------------------------------------------------


def _impl_folders(root: Path) -> Iterable[tuple[str, str, Path]]:
    """(exercise, name, folder) of every ``root/<exercise>/<name>/`` folder."""
    if not root.is_dir():
        return []
    return [(ex.name, impl.name, impl)
            for ex in sorted(root.iterdir()) if ex.is_dir() and not ex.name.startswith((".", "_"))
            for impl in sorted(ex.iterdir()) if impl.is_dir()
            and not impl.name.startswith((".", "_"))]


def mutant_jobs(suite_root: Path) -> list[Job]:
    """Every mutant of the corpus."""
    return [Job(JobKind.MUTANT, impl, ex, name)
            for ex, name, impl in _impl_folders(Path(suite_root) / MUTANTS_DIR)]


def alternative_jobs(suite_root: Path) -> list[Job]:
    """Every alternative correct implementation of the corpus."""
    return [Job(JobKind.ALTERNATIVE, impl, ex, name)
            for ex, name, impl in _impl_folders(Path(suite_root) / ALTERNATIVES_DIR)]


def plan(suite_root: Path, assignment: Assignment = ALL_EXERCISES) -> list[Job]:
    """Reference, template, then the corpus of ``assignment``'s exercises: everything
    ``grader validate`` checks."""
    root = Path(suite_root)
    corpus_jobs = [job for job in (*mutant_jobs(root), *alternative_jobs(root))
                   if assignment.includes(str(job.exercise))]
    return [Job(JobKind.REFERENCE, root / REFERENCE_DIR),
            Job(JobKind.TEMPLATE, root / TEMPLATE_DIR),
            *corpus_jobs]


def exercise_test_paths(suite_root: Path, exercise: str) -> list[Path]:
    """The public and hidden test modules of one exercise, found by file name."""
    names = {f"test_{exercise}.py"}
    spec = Path(suite_root) / SPEC_DIR
    return sorted(p for p in spec.rglob("test_*.py") if p.name in names)


def has_spec_tests(suite_root: Path) -> bool:
    """Whether the suite holds any test module yet."""
    return any((Path(suite_root) / SPEC_DIR).rglob("test_*.py"))


#: How a CATCHES line says the mutant must score 0 on the test: every case fails.
SCORES_ZERO = "= 0"


@dataclass(frozen=True)
class Catch:
    """A test a mutant's CATCHES file names: some case of it fails, or every case
    (``test_name = 0``: the mutant scores 0 on it)."""

    test: str
    every_case: bool = False


def read_catch_lines(impl_dir: Path) -> list[Catch]:
    """What a mutant's ``CATCHES`` file says must fail (``#`` lines are notes)."""
    path = Path(impl_dir) / CATCHES_FILE
    if not path.is_file():
        return []
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [Catch(line.removesuffix(SCORES_ZERO).strip(), line.endswith(SCORES_ZERO))
            for line in lines if line and not line.startswith("#")]


def read_catches(impl_dir: Path) -> list[str]:
    """Test function names a mutant's ``CATCHES`` file says must fail."""
    return [catch.test for catch in read_catch_lines(impl_dir)]


# --- running the suite --------------------------------------------------------------------


def run_suite(impl_dir: Path, suite_root: Path,
              test_paths: Iterable[Path | str] | None = None, *,
              seed: int = settings.DEFAULT_SEED, timeout: float = 1800.0,
              assignment: Assignment = ALL_EXERCISES) -> RunResult:
    """Run the suite (or ``test_paths``; ``assignment``'s exercises) against ``impl_dir`` in
    local mode; return its grade."""
    root = Path(suite_root).resolve()
    paths = [str(p) for p in test_paths] if test_paths is not None else [str(root / SPEC_DIR)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRADSPEC_", "PYTEST_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave the corpus folders as they are
    with tempfile.TemporaryDirectory(prefix="gradspec-validate-") as tmp:
        results = Path(tmp, "records.json")
        cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--no-header",
               "-p", "no:randomly", f"--rootdir={root}",
               f"--impl={Path(impl_dir).resolve()}", f"--grading-seed={seed}",
               f"--gradspec-results={results}", *assignment.pytest_args(), *paths]
        try:
            proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise SuiteError(f"the suite ran past {timeout:.0f} s against {impl_dir}") from exc
        found = grade.read_records(results)
        if found is None or proc.returncode not in (0, 1, 5):
            tail = (proc.stdout + proc.stderr)[-3000:]
            raise SuiteError(f"pytest exited with {proc.returncode} against {impl_dir}:\n{tail}")
    return grade.build(found[0], impl=str(impl_dir), mode="local")


# --- verdicts -----------------------------------------------------------------------------


def _graded(result: RunResult, exercise: str | None = None) -> list[GradedTest]:
    return [t for t in result.tests if exercise is None or t.record.exercise == exercise]


def _totals(tests: list[GradedTest]) -> tuple[Fraction, Fraction]:
    return scoring.add(t.score for t in tests), scoring.add(t.max_score for t in tests)


def _names(tests: list[GradedTest], limit: int = 5) -> str:
    names = [t.record.nodeid.split("::", 1)[-1] for t in tests]
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def check_full_marks(job: Job, result: RunResult, exercise: str | None = None) -> Verdict:
    """Reference and alternatives: every applicable case passes; skips only for absent devices."""
    tests = _graded(result, exercise)
    earned, possible = _totals(tests)
    problems = []
    if possible <= 0:
        problems.append("no graded test ran" + (f" for exercise {exercise!r}" if exercise else ""))
    failed = [t for t in tests if t.outcome is TestOutcome.FAILED]
    if failed:
        problems.append(f"{len(failed)} failed: {_names(failed)}")
    odd_skips = [t for t in tests if t.outcome is TestOutcome.SKIPPED
                 and not _DEVICE_SKIP.search(t.record.message)]
    if odd_skips:
        problems.append(f"{len(odd_skips)} skipped for a reason other than an absent device: "
                        f"{_names(odd_skips)} ({odd_skips[0].record.message.strip()[:120]})")
    if earned < possible:
        problems.append(f"earned {scoring.fmt_points(earned)} of {scoring.fmt_points(possible)}")
    return Verdict(job, not problems, earned, possible, problems)


def check_template(job: Job, result: RunResult) -> Verdict:
    """The template must earn nothing: a point earned by a stub is a test that checks nothing."""
    tests = _graded(result)
    earned, possible = _totals(tests)
    problems = []
    if possible <= 0:
        problems.append("no graded test ran")
    passed = [t for t in tests if t.passed]
    if passed:
        problems.append(f"{len(passed)} passed with stubs: {_names(passed)}")
    return Verdict(job, not problems, earned, possible, problems)


def check_mutant(job: Job, result: RunResult, catches: list[Catch] | None = None) -> Verdict:
    """A mutant must lose points on its exercise, and fail every test its CATCHES names
    (every case of those it must score 0 on)."""
    tests = _graded(result, job.exercise)
    earned, possible = _totals(tests)
    catches = read_catch_lines(job.impl_dir) if catches is None else catches
    problems = []
    if possible <= 0:
        problems.append(f"no graded test ran for exercise {job.exercise!r}")
    elif earned >= possible:
        problems.append("survived: it earned every point")
    if not catches:
        problems.append(f"its {CATCHES_FILE} file names no test")
    functions = {t.record.function for t in tests}
    for catch in catches:
        name = catch.test
        cases = [t for t in tests if t.record.function == name and t.applicable]
        passed = [t for t in cases if t.passed]
        if name not in functions:
            problems.append(f"{CATCHES_FILE} names {name!r}, which is not a test of "
                            f"exercise {job.exercise!r}")
        elif not any(t.outcome is TestOutcome.FAILED for t in cases):
            problems.append(f"{name} did not catch it (no case failed)")
        elif catch.every_case and passed:
            problems.append(f"{name} {SCORES_ZERO} in {CATCHES_FILE}, but it earned "
                            f"{scoring.fmt_points(scoring.add(t.score for t in passed))} "
                            f"({len(passed)} of {len(cases)} cases passed)")
    return Verdict(job, not problems, earned, possible, problems)


def catching_node_ids(paths: Iterable[Path], names: Iterable[str]) -> list[str]:
    """``path::name`` of every test function ``name`` defined in one of ``paths``."""
    ids = []
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        for name in names:
            if re.search(rf"^def {re.escape(name)}\(", text, re.MULTILINE):
                ids.append(f"{Path(path).resolve()}::{name}")
    return ids


def run_job(job: Job, suite_root: Path, *, full_mutant_runs: bool = False,
            seed: int = settings.DEFAULT_SEED,
            assignment: Assignment = ALL_EXERCISES) -> Verdict:
    """Grade one job's implementation and judge the result.

    A mutant runs only the tests its CATCHES file names (they must fail, so it loses points)
    unless ``full_mutant_runs``; references, the template and alternatives run everything.
    """
    try:
        if job.kind in (JobKind.REFERENCE, JobKind.TEMPLATE):
            run = run_suite(job.impl_dir, suite_root, seed=seed, assignment=assignment)
        else:
            assert job.exercise is not None
            paths = exercise_test_paths(suite_root, job.exercise)
            if not paths:
                return Verdict(job, False, problems=[
                    f"no test module for exercise {job.exercise!r} under {SPEC_DIR}/"])
            if job.kind is JobKind.MUTANT and not full_mutant_runs:
                catches = read_catches(job.impl_dir)
                unknown = [name for name in catches if not catching_node_ids(paths, [name])]
                if unknown:
                    return Verdict(job, False, problems=[
                        f"{CATCHES_FILE} names {name!r}, which is not a test of exercise "
                        f"{job.exercise!r}" for name in unknown])
                if catches:
                    paths = catching_node_ids(paths, catches)
            if job.kind is JobKind.MUTANT:  # overrides: graded as the reference they change
                with corpus.materialized(job.impl_dir, Path(suite_root) / REFERENCE_DIR) as impl:
                    run = run_suite(impl, suite_root, paths, seed=seed)
            else:
                run = run_suite(job.impl_dir, suite_root, paths, seed=seed)
    except SuiteError as exc:
        return Verdict(job, False, problems=[str(exc)])
    if job.kind is JobKind.REFERENCE:
        return check_full_marks(job, run)
    if job.kind is JobKind.TEMPLATE:
        return check_template(job, run)
    if job.kind is JobKind.ALTERNATIVE:
        return check_full_marks(job, run, job.exercise)
    return check_mutant(job, run)


def validate(suite_root: Path, jobs: int = 2,
             on_done: Callable[[Verdict], None] | None = None,
             full_mutant_runs: bool = False, seed: int = settings.DEFAULT_SEED,
             assignment: Assignment = ALL_EXERCISES) -> list[Verdict]:
    """Every verdict of ``plan(suite_root, assignment)``, run ``jobs`` at a time, in plan
    order; ``on_done`` is called with each verdict as it comes."""
    planned = plan(suite_root, assignment)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(run_job, job, suite_root, full_mutant_runs=full_mutant_runs,
                               seed=seed, assignment=assignment): job for job in planned}
        for future in as_completed(futures):
            if on_done is not None:
                on_done(future.result())
        return [future.result() for future in futures]


# --- command line -------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    settings.add_option(parser, settings.SUITE, "--suite", type=Path, metavar="DIR")
    settings.add_option(parser, settings.SEED, "--seed", type=int)
    settings.add_option(parser, settings.JOBS, "--jobs", type=int, metavar="N",
                        default="the cores")
    settings.add_option(parser, settings.ASSIGNMENT, "--assignment", metavar="NAME",
                        default="every exercise")
    parser.add_argument("--full", action="store_true",
                        help="run every mutant against its exercise's whole suite, not only "
                             "the tests its CATCHES file names (slower, same verdicts)")


def print_table(verdicts: list[Verdict]) -> None:
    """One row per job: what it had to achieve, its points, and the verdict."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    need = {JobKind.REFERENCE: "100 %", JobKind.TEMPLATE: "0 points",
            JobKind.MUTANT: "loses points", JobKind.ALTERNATIVE: "100 % of its exercise"}
    table = Table(title="gradspec validate", show_lines=False)
    table.add_column("job", no_wrap=True)
    for column in ("must", "points", "verdict", "detail"):
        table.add_column(column, overflow="fold")
    fp = scoring.fmt_points
    for v in verdicts:
        verdict = Text("ok", style="green") if v.ok else Text("FAIL", style="bold red")
        table.add_row(Text(v.job.id), need[v.job.kind], f"{fp(v.earned)} / {fp(v.possible)}",
                      verdict, Text(v.detail))
    console = Console()
    if not console.is_terminal:
        console.width = max(console.width, 140)  # a log file: do not fold the ids
    console.print(table)
    failed = sum(not v.ok for v in verdicts)
    console.print(f"{len(verdicts) - failed} of {len(verdicts)} as required"
                  + (f", [red]{failed} not[/red]" if failed else ""))


def main(args: argparse.Namespace) -> int:
    try:
        suite_root = settings.suite_root(args.suite)
        ini = settings.suite_ini(suite_root)
        seed = settings.resolve(settings.SEED, cli=args.seed, ini=ini).value
        jobs = settings.resolve(settings.JOBS, cli=args.jobs, ini=ini).value or default_jobs()
        assignment = for_suite(suite_root, getattr(args, "assignment", None), ini)
    except settings.SettingError as exc:
        print(f"grader validate: {exc}", file=sys.stderr)
        return 2
    if not has_spec_tests(suite_root):
        print(f"grader validate: no test module under {suite_root / SPEC_DIR}", file=sys.stderr)
        return 2
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    columns = ("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task("validating", total=len(plan(suite_root, assignment)))

        def done(verdict: Verdict) -> None:
            progress.advance(task)
            if not verdict.ok:
                progress.console.print(f"FAIL {verdict.job.id}: {verdict.detail}", markup=False,
                                       highlight=False)

        verdicts = validate(suite_root, jobs, on_done=done,
                            full_mutant_runs=getattr(args, "full", False), seed=seed,
                            assignment=assignment)
    if assignment.exercises is not None:
        print(f"assignment {assignment.describe()}")
    print_table(verdicts)
    return 0 if all(v.ok for v in verdicts) else 1
