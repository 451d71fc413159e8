"""Notebook submissions graded end to end: ``grader run``, ``pytest --impl``, ``grader batch``.

The seed notebooks filled in as students do grade exactly as the same code submitted as
modules; a bad notebook costs its own exercise (or, alone, the submission) and nothing else;
every layout a class arrives in may hold notebooks.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import graded_runs
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from notebook_fixtures import modules_of, notebook_submission

ROOT = Path(__file__).resolve().parent.parent
#: These graded runs are about what a notebook gives, not about speed: a deadline per probe
#: call that a loaded machine never reaches (timing has tests of its own).
SLOW_MACHINE_PROBE_TIMEOUT = 60.0
TOY = ROOT / "tests" / "fixtures" / "toy_suite"

ARITH = ("import numpy as np\n\ndef add(a, b):\n    return a + b\n\ndef mean(xs):\n"
         "    return float(np.mean(xs))\n\ndef shout(s):\n    return s.upper()")
TENS = "def scale(x, k):\n    return x * k"


def _notebook(path: Path, *cells: str) -> Path:
    nb = new_notebook(cells=[new_markdown_cell("# my work"), *(new_code_cell(c) for c in cells)])
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def _per_test(graded: graded_runs.Graded) -> dict[str, tuple]:
    return {t["nodeid"]: (t["outcome"], t["kind"], t["score"]) for t in graded.doc["tests"]}


@pytest.mark.slow
@pytest.mark.timeout(1500)  # two graded runs of every exercise: a guard against a hang
def test_seed_notebooks_grade_as_the_same_code_submitted_as_modules(tmp_path):
    """Same score, same result for every test; the 200 000-step training runs at the top of
    the polyfit notebook never ran (top-level code is not part of the built modules:
    tests/test_notebook_extract.py), and the feedback names each exercise's cells."""
    limits = {"total_timeout": 600, "probe_timeout": SLOW_MACHINE_PROBE_TIMEOUT}
    notebooks = graded_runs.grade(notebook_submission(tmp_path / "notebooks"), tmp_path / "o1",
                                  suite=ROOT, **limits)
    modules = graded_runs.grade(modules_of(tmp_path / "modules"), tmp_path / "o2", suite=ROOT,
                                **limits)
    assert notebooks.doc["status"] == modules.doc["status"] == "ok"
    assert notebooks.score == modules.score
    assert 0 < modules.score < Fraction(modules.doc["max_score"])  # some tests fail
    assert _per_test(notebooks) == _per_test(modules)
    feedback = (tmp_path / "o1" / "feedback.md").read_text()
    assert "cosine: graded from autograd\\_exercises.ipynb, cells" in feedback
    assert "polyfit: graded from polyfit\\_notebook.ipynb, cells" in feedback


def test_a_syntax_error_costs_only_the_exercise_whose_definition_it_holds(tmp_path):
    path = _notebook(tmp_path / "in" / "work.ipynb", ARITH,
                     "%timeit add(1, 2)\nimport time", "def scale(x, k):\n    return x * (k")
    graded = graded_runs.grade(path, tmp_path / "out", suite=TOY)
    assert graded.doc["status"] == "ok"
    assert graded.per_exercise["arith"][0] == graded.per_exercise["arith"][1] > 0
    assert graded.per_exercise["tens"][0] == 0
    tens = graded.records("tens")
    assert {r.status for r in tens} == {"import error"}
    assert all("cell 4" in r.message and "syntax error at line 2" in r.message for r in tens)
    assert graded.doc["status_line"] == "import error (tens)"
    notes = graded.doc["submission"]["notes"]
    assert "arith: graded from work.ipynb, cell 2" in notes


def test_unreadable_notebooks_alone_are_not_graded_and_say_why(tmp_path, capsys):
    from grader.cli import main

    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "work.ipynb").write_text('{"cells": [}', encoding="utf-8")
    code = main(["run", str(tmp_path / "sub"), "--out", str(tmp_path / "out"), "--suite",
                 str(TOY)])
    assert code == 2
    doc = json.loads((tmp_path / "out" / "grade.json").read_text())
    assert doc["status"] == "invalid notebook"
    assert "work.ipynb: invalid JSON" in doc["message"]
    assert "invalid notebook" in capsys.readouterr().out


def test_pytest_impl_runs_the_public_suite_on_a_notebook(tmp_path):
    path = _notebook(tmp_path / "my_work.ipynb", ARITH, TENS, "print(add(1, 2))")
    done = subprocess.run([sys.executable, "-m", "pytest", "spec_tests", "--impl", str(path),
                           "-p", "no:cacheprovider", "--ignore=spec_tests/hidden"],
                          cwd=TOY, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "arith: graded from my_work.ipynb, cell 2" in done.stdout
    assert "Score: 11 / 11 public points" in done.stdout


def _rows(out: Path) -> dict[str, dict[str, str]]:
    text = (out / "grades.csv").read_text(encoding="utf-8")
    return {r["student_id"]: r for r in csv.DictReader(io.StringIO(text))}


@pytest.mark.slow
def test_batch_takes_notebooks_in_every_class_layout(tmp_path):
    """A plain folder per student, a loose notebook per student, Canvas's
    ``name_userid_subid_Notebook.ipynb``, and a Gradescope export."""
    from grader.run.batch import run_batch

    cls = tmp_path / "class"
    _notebook(cls / "alice" / "work.ipynb", ARITH, TENS)
    _notebook(cls / "bob.ipynb", ARITH)
    _notebook(cls / "smithjane_12345_67890_Notebook.ipynb", TENS, "x = scale(2, 3)")
    out = tmp_path / "out"
    run_batch(cls, out, jobs=2, seed=3, suite=TOY, report=False)
    rows = _rows(out)
    assert set(rows) == {"alice", "bob", "12345"}
    assert rows["alice"]["status"] == "ok" and rows["alice"]["total"] == rows["alice"]["max"]
    assert rows["bob"]["status"] == "module missing (tens)" and float(rows["bob"]["arith"]) > 0
    assert rows["12345"]["status"] == "module missing (arith)" and \
        float(rows["12345"]["tens"]) > 0
    feedback = (out / "students" / "12345" / "feedback.md").read_text()
    assert "tens: graded from Notebook.ipynb, cell 2" in feedback

    export = tmp_path / "gradescope"
    _notebook(export / "submission_1" / "hw.ipynb", ARITH, TENS)
    (export / "submission_metadata.yml").write_text(
        "submission_1:\n  :submitters:\n  - :name: Ann Lee\n    :sid: '777'\n")
    run_batch(export, tmp_path / "out2", jobs=1, seed=3, suite=TOY, report=False)
    rows = _rows(tmp_path / "out2")
    assert rows["777"]["status"] == "ok" and rows["777"]["total"] == rows["777"]["max"]


def test_discover_takes_a_loose_notebook_per_student(tmp_path):
    from grader.intake.discover import discover
    from grader.outcome import SubmissionStatus

    _notebook(tmp_path / "bob.ipynb", ARITH)
    (tmp_path / "carol.ipynb").write_bytes(b"")
    _notebook(tmp_path / "smithjane_12345_67890_Notebook.ipynb", TENS)
    found = {f.student_id: f for f in discover(tmp_path)}
    assert found["bob"].gradable and found["bob"].path == tmp_path / "bob.ipynb"
    assert found["carol"].status is SubmissionStatus.EMPTY
    assert list(found["12345"].files) == ["Notebook.ipynb"]


def test_a_failure_in_notebook_code_names_the_cell_and_line_it_is_in(tmp_path):
    """The traceback of a module built from a notebook points at the notebook's cell and
    line (the student has no ``arith.py``), and an import error says what to run again."""
    path = _notebook(tmp_path / "in" / "work.ipynb",
                     "import numpy as np\n\ndef add(a, b):\n    return a + b",
                     "# my mean\n\ndef mean(xs):\n    total = sum(xs)\n"
                     "    return total / xs.tolist()[99]",
                     "def shout(s):\n    return s.upper()",
                     "SCALE = 1 / 0\n\ndef scale(x, k):\n    return x * k * SCALE")
    graded = graded_runs.grade(path, tmp_path / "out", suite=TOY)
    mean = [r for r in graded.records("arith") if "mean" in r.message]
    assert mean and all('File "arith.py", line' in r.message and
                        "(work.ipynb, cell 3, line 5)" in r.message for r in mean)
    tens = graded.records("tens")
    assert tens and {r.status for r in tens} == {"import error"}
    assert all("(work.ipynb, cell 5, line 1)" in r.message and
               "run every cell from the top" in r.message for r in tens)
    assert graded.per_exercise["arith"][0] > 0  # add and shout still earn their points


@pytest.mark.slow
def test_a_constant_that_hangs_at_import_says_so_and_costs_its_exercise_only(tmp_path):
    """A constant computed by a long call (``PAUSE = time.sleep(60)``) runs when the built
    module is imported: its exercise times out with a hint that says why, the other one
    keeps its points."""
    path = _notebook(tmp_path / "in" / "work.ipynb", ARITH,
                     "import time\nPAUSE = time.sleep(60)\n\ndef scale(x, k):\n"
                     "    return x * k + 0 * len(str(PAUSE))")
    graded = graded_runs.grade(path, tmp_path / "out", suite=TOY, probe_timeout=3)
    assert graded.per_exercise["arith"][0] == graded.per_exercise["arith"][1] > 0
    tens = graded.records("tens")
    assert tens and {r.status for r in tens} == {"timeout"}
    assert all("importing the definitions taken from work.ipynb took too long" in r.message
               for r in tens)
