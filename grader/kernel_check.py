"""``check("cosine")`` in a notebook: the public tests of an exercise against what the kernel
holds now, shown as the cell's output.

The definitions come from the kernel's own history (every cell run so far, in the order it
was run, the last run of a definition winning, exactly what the kernel's namespace holds),
extracted as for a notebook submission (:mod:`grader.intake.extract`): no file is needed,
and nothing of the notebook runs again. The public tests then run in a pytest subprocess
(local mode, :mod:`grader.plugin`), so that a hang or a crash of the student's code costs
that subprocess, never the kernel; it is stopped at ``GRADSPEC_CHECK_TIMEOUT`` seconds. The
answer is a :class:`CheckReport` of the run's :class:`grader.result.RunResult`, which Jupyter
shows as HTML and a terminal as text. IPython is never imported here: the kernel has it.
"""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import result as grade
from grader import settings
from grader.intake.api import graded_suite_api
from grader.intake.extract import Source, analyse
from grader.intake.notebook import write_modules, writefile_target
from grader.outcome import SubmissionStatus
from grader.reports.check_view import render_html, render_text
from grader.result import RunResult, Submission

SPEC_DIR = "spec_tests"
HIDDEN_DIR = "hidden"
KERNEL = "this notebook"


class NotInKernel(RuntimeError):
    """check() reads the cells a kernel ran: there is no kernel here."""


@dataclass(frozen=True)
class CheckReport:
    """The outcome of one ``check()``: the run's grade, or why the tests did not finish."""

    result: RunResult

    def _repr_html_(self) -> str:
        return render_html(self.result)

    def __str__(self) -> str:
        return render_text(self.result)

    __repr__ = __str__

    @property
    def score(self) -> Any:
        return self.result.score

    @property
    def max_score(self) -> Any:
        return self.result.max_score


def kernel_cells() -> list[Source]:
    """Every cell the running IPython kernel has executed, as ``In [n]`` sources."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        raise NotInKernel("check() grades the cells you ran in a Jupyter notebook (an IPython "
                          "kernel); outside one, run `pytest` (or `pytest -k EXERCISE`)")
    history = list(shell.history_manager.input_hist_parsed)
    return [Source(f"In [{n}]", code) for n, code in enumerate(history) if n and code.strip()]


def written_in_kernel(sources: list[Source]) -> dict[str, str]:
    """The modules the kernel's ``%%writefile NAME.py`` cells wrote (IPython's history holds
    them as ``get_ipython().run_cell_magic('writefile', 'NAME.py', body)``), last one
    winning, ``-a`` appending: the module a later ``from NAME import ...`` imported."""
    files: dict[str, str] = {}
    for source in sources:
        try:
            body = ast.parse(source.code).body
        except SyntaxError:
            continue
        for node in body:
            call = node.value if isinstance(node, ast.Expr) else None
            if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute) or \
                    call.func.attr != "run_cell_magic" or len(call.args) != 3:
                continue
            args = [a.value if isinstance(a, ast.Constant) else None for a in call.args]
            target = writefile_target(str(args[1])) if args[0] == "writefile" else None
            if target is None or not isinstance(args[2], str):
                continue
            name, append = target
            files[name] = (files.get(name, "") if append else "") + args[2]
    return files


def public_tests(suite: Path, exercise: str | None) -> list[str]:
    """pytest's arguments selecting the public tests of ``exercise`` (all when None)."""
    spec = suite / SPEC_DIR
    if exercise is None:
        return [SPEC_DIR, f"--ignore={SPEC_DIR}/{HIDDEN_DIR}"]
    if not (spec / f"test_{exercise}.py").is_file():
        known = sorted(p.stem.removeprefix("test_") for p in spec.glob("test_*.py"))
        raise ValueError(f"check({exercise!r}): no such exercise; choose one of "
                         f"{', '.join(known)} (or check() for all)")
    return [f"{SPEC_DIR}/test_{exercise}.py"]


def check(exercise: str | None = None, *, timeout: float | None = None,
          cells: list[Source] | None = None) -> CheckReport:
    """Run the public tests of ``exercise`` (all exercises when None) against the definitions
    the kernel holds now; ``cells`` replaces the kernel's history (for scripts and tests)."""
    suite = settings.suite_root()
    ini = settings.suite_ini(suite)
    limit = settings.resolve(settings.CHECK_TIMEOUT, cli=timeout, ini=ini).value
    args = public_tests(suite, exercise)
    sources = kernel_cells() if cells is None else cells
    with tempfile.TemporaryDirectory(prefix="gradspec-check-") as work:
        impl = Path(work) / "impl"
        impl.mkdir()
        written = written_in_kernel(sources)
        for name, text in written.items():
            (impl / name).write_text(text, encoding="utf-8")
        intake = write_modules(impl, graded_suite_api(suite), [(KERNEL, analyse(sources))],
                               only=exercise)
        intake.notes[:0] = [f"{name}: as your %%writefile cell wrote it" for name in written]
        records_path = Path(work) / "records.json"
        code, log = _run_pytest(suite, [*args, "--impl", str(impl), "--gradspec-results",
                                        str(records_path)], limit)
        found = grade.read_records(records_path)
    records = found[0] if found else []
    submission = Submission(path=KERNEL, notes=tuple(intake.notes))
    stopped = f"the tests did not finish within {limit:g} s (a hang?); they were stopped"
    ended = found is not None and found[1].get("exitstatus") is not None
    if code is not None and code not in (0, 1) and not ended:  # pytest itself was killed
        submission = Submission(path=KERNEL, status=SubmissionStatus.INTERNAL_ERROR,
                                message=_crash(code, log), notes=tuple(intake.notes))
    return CheckReport(grade.build(records, submission, exit_code=code, stopped=stopped,
                                   mode="local", impl=KERNEL))


def _crash(code: int, log: str) -> str:
    how = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
    tail = "\n".join(log.strip().splitlines()[-15:])
    return f"the tests stopped before the end ({how}): a crash in your code?\n{tail}"


def _run_pytest(suite: Path, args: list[str], timeout: float) -> tuple[int | None, str]:
    """pytest in a child of its own session (killed whole at ``timeout``): (exit, output)."""
    env = {k: v for k, v in os.environ.items() if k != settings.IMPL.env}
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    command = [sys.executable, "-m", "pytest", *args, "-q", "-p", "no:cacheprovider"]
    with subprocess.Popen(command, cwd=suite, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          start_new_session=True) as child:
        try:
            out, _ = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            out, _ = child.communicate()
            return None, out
    return child.returncode, out
