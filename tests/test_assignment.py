"""Assignments: a named subset of the exercises, chosen once (command line > environment >
ini) and honoured by pytest, ``grader run``, ``grader batch``, ``grader validate`` and
``grader export-student`` alike; an unknown name is refused with the known ones listed."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from minisuite import build_suite

from grader import records_file, settings, validate
from grader.assignment import ALL_EXERCISES, Assignment, choose, for_suite, suite_exercises
from grader.cli import main
from grader.export import export_student
from grader.reports.gradebook import Gradebook, grades_csv

ROOT = Path(__file__).resolve().parent.parent
TOY = ROOT / "tests" / "fixtures" / "toy_suite"
TABLE = "gradspec_assignments =\n    arith-only = arith\n    Lab 2 = tens, arith\n"


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("GRADSPEC_", "PYTEST_"))}


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    """The toy suite (exercises arith and tens) with two assignments in its ini."""
    root = tmp_path / "toy"
    shutil.copytree(TOY, root, ignore=shutil.ignore_patterns("__pycache__"))
    with open(root / "pytest.ini", "a", encoding="utf-8") as ini:
        ini.write(TABLE)
    return root


def _table(text: str | list[str]) -> settings.Setting:
    return settings.resolve(settings.ASSIGNMENTS, ini={"gradspec_assignments": text}, env={})


def test_the_table_is_lines_of_a_name_and_its_exercises() -> None:
    as_text = _table("\n# released in week 3\nautograd-lab = elementwise_grad, hessian\n"
                     "Lab 1 = a b\n")
    as_list = _table(["autograd-lab = elementwise_grad, hessian", "Lab 1 = a, b"])
    assert as_text.value == as_list.value == {"autograd-lab": ("elementwise_grad", "hessian"),
                                              "Lab 1": ("a", "b")}
    for bad, why in (("lab", "name = exercise"), ("lab = ", "name = exercise"),
                     ("lab = a\nlab = b", "listed twice"), ("lab = a, a", "listed twice"),
                     ("lab = a-b", "not an exercise name")):
        with pytest.raises(settings.SettingError, match=why):
            _table(bad)


def test_an_assignment_is_chosen_once_and_an_unknown_one_is_refused() -> None:
    table = _table(["b-lab = b", "a-lab = a, c"])

    def chosen(cli: str | None = None, env: dict[str, str] | None = None,
               ini: str | None = None) -> Assignment:
        name = settings.resolve(settings.ASSIGNMENT, cli=cli, env=env or {},
                                ini={"gradspec_assignment": ini} if ini else None)
        return choose(name, table)

    assert chosen() is ALL_EXERCISES and ALL_EXERCISES.includes("anything")
    assert chosen(ini="b-lab") == Assignment("b-lab", ("b",))
    assert chosen(env={"GRADSPEC_ASSIGNMENT": "a-lab"}, ini="b-lab").exercises == ("a", "c")
    assert chosen(cli="b-lab", env={"GRADSPEC_ASSIGNMENT": "a-lab"}).name == "b-lab"
    assert not chosen(cli="b-lab").includes("a")
    with pytest.raises(settings.SettingError) as info:
        chosen(env={"GRADSPEC_ASSIGNMENT": "c-lab"})
    assert str(info.value) == ("unknown assignment 'c-lab' from environment "
                               "GRADSPEC_ASSIGNMENT; the suite's assignments: a-lab, b-lab")
    with pytest.raises(settings.SettingError, match="none"):
        choose(settings.Setting("lab", settings.Source.CLI, "command line"), _table([]))


def test_a_suite_assignment_names_exercises_the_suite_has(toy: Path) -> None:
    assert suite_exercises(toy) == ["arith", "tens"]
    assert for_suite(toy, "Lab 2", env={}) == Assignment("Lab 2", ("tens", "arith"))
    assert for_suite(toy, env={}) is ALL_EXERCISES
    with open(toy / "pytest.ini", "a", encoding="utf-8") as ini:
        ini.write("    typo = arith, tenz\n")
    with pytest.raises(settings.SettingError, match=r"'tenz', which has no test module"):
        for_suite(toy, "typo", env={})


def _pytest(suite: Path, *args: str, env: dict[str, str] | None = None
            ) -> tuple[subprocess.CompletedProcess, set[str]]:
    """pytest in ``suite`` against its reference; the run and the exercises it graded."""
    records = suite / "records.json"
    records.unlink(missing_ok=True)
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                           f"--gradspec-results={records}", "spec_tests", *args], cwd=suite,
                          env={**_env(), **(env or {})}, capture_output=True, text=True,
                          timeout=300)
    found = records_file.read(records)
    graded = {r["exercise"] for r in found[0]} if found else set()
    return done, graded


def test_pytest_grades_the_assignment_only(toy: Path) -> None:
    done, graded = _pytest(toy, "--assignment", "arith-only")
    assert done.returncode == 0 and graded == {"arith"}, done.stdout[-2000:]
    assert "assignment = arith-only (arith)  [from command line]" in done.stdout
    assert "deselected" in done.stdout and "Score: 9 / 9 points" in done.stdout
    assert _pytest(toy, env={"GRADSPEC_ASSIGNMENT": "Lab 2"})[1] == {"arith", "tens"}
    assert _pytest(toy)[1] == {"arith", "tens"}
    done, graded = _pytest(toy, "--assignment", "nope")
    assert done.returncode == 4 and not graded
    assert ("gradspec: unknown assignment 'nope' from command line; the suite's assignments: "
            "Lab 2, arith-only") in done.stderr


def test_a_students_pytest_scores_only_the_modules_their_repository_has(toy: Path) -> None:
    (toy / "reference" / "tens.py").unlink()
    done, graded = _pytest(toy)
    assert done.returncode == 0 and graded == {"arith"}, done.stdout[-2000:]
    assert "Score: 9 / 9 points" in done.stdout
    assert f"not counted here, no module in {toy / 'reference'}: tens" in done.stdout
    (toy / "reference" / "arith.py").unlink()  # none of the modules: a wrong folder, every
    done, graded = _pytest(toy)                # exercise fails as module missing
    assert done.returncode == 1 and graded == {"arith", "tens"}, done.stdout[-2000:]
    assert "module missing" in done.stdout and "not counted here" not in done.stdout


@pytest.mark.slow
def test_grader_run_counts_a_missing_module_against_its_exercise(toy: Path,
                                                                 tmp_path: Path) -> None:
    (toy / "reference" / "tens.py").unlink()
    out = tmp_path / "run"
    main(["run", str(toy / "reference"), "--out", str(out), "--suite", str(toy), "--seed", "3"])
    doc = json.loads((out / "grade.json").read_text())
    assert sorted(ex["name"] for ex in doc["exercises"]) == ["arith", "tens"]
    assert doc["score"] == "9" and doc["max_score"] == "13", doc


def test_the_real_suite_collects_an_assignments_tests_only() -> None:
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--co",
                           "-q", "--assignment", "polyfit-lab", "spec_tests"], cwd=ROOT,
                          env=_env(), capture_output=True, text=True, timeout=300)
    ids = [line for line in done.stdout.splitlines() if "::" in line]
    assert done.returncode == 0 and ids, done.stdout[-2000:] + done.stderr[-2000:]
    assert {line.split("::")[0] for line in ids} == {"spec_tests/test_polyfit.py",
                                                     "spec_tests/hidden/test_polyfit.py"}


def test_the_class_reports_have_the_assignments_columns() -> None:
    entries = [{"student_id": "ann", "status": "ok", "graded": True, "score": "3",
                "max_score": "5", "per_exercise": {"tens": ["1", "2"], "arith": ["2", "3"]}}]
    book = Gradebook.of(entries, "Lab 2", columns=("tens", "arith"))
    assert book.exercises == ["tens", "arith"]
    assert grades_csv.rows(book)[0][:3] == ["student_id", "tens", "arith"]
    assert Gradebook.of(entries).exercises == ["arith", "tens"]


@pytest.mark.slow
def test_grader_run_and_batch_grade_the_assignment_only(toy: Path, tmp_path: Path) -> None:
    run_out = tmp_path / "run"
    assert main(["run", str(toy / "reference"), "--out", str(run_out), "--suite", str(toy),
                 "--seed", "3", "--assignment", "arith-only"]) == 0
    doc = json.loads((run_out / "grade.json").read_text())
    assert [ex["name"] for ex in doc["exercises"]] == ["arith"] and doc["max_score"] == "9"

    cls = tmp_path / "class"
    shutil.copytree(toy / "reference", cls / "ann")
    batch_out = tmp_path / "batch"
    assert main(["batch", str(cls), "--out", str(batch_out), "--suite", str(toy), "--seed",
                 "3", "--jobs", "1", "--no-report", "--assignment", "Lab 2"]) == 0
    rows = list(csv.reader(io.StringIO((batch_out / "grades.csv").read_text())))
    assert rows[0][:4] == ["student_id", "tens", "arith", "total"]
    assert rows[1][:4] == ["ann", "4", "9", "13"]
    canvas = list(csv.reader(io.StringIO((batch_out / "canvas_import.csv").read_text())))
    assert canvas[0][-1] == "Lab 2" and canvas[2][-1] == "13"


def test_commands_refuse_an_unknown_assignment(toy: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "class" / "ann").mkdir(parents=True)
    for command in (["run", str(toy / "reference"), "--out", str(tmp_path / "run")],
                    ["batch", str(tmp_path / "class"), "--out", str(tmp_path / "batch")],
                    ["export-student", str(tmp_path / "export")]):
        assert main([*command, "--suite", str(toy), "--assignment", "Lab 3"]) == 2
        err = capsys.readouterr().err
        assert "unknown assignment 'Lab 3' from command line; the suite's assignments: " \
               "Lab 2, arith-only" in err, err


def test_validate_plans_the_assignments_corpus_only(tmp_path: Path) -> None:
    suite = build_suite(tmp_path / "mini")
    assert [j.id for j in validate.plan(suite)][2:] == ["mutant-adder-ignores_b",
                                                        "alternative-adder-via_sum"]
    other = Assignment("other-lab", ("subtracter",))
    assert [j.id for j in validate.plan(suite, other)] == ["reference", "template"]


def test_export_of_an_assignment_holds_its_exercises_only(tmp_path: Path) -> None:
    assignment = for_suite(ROOT, "autograd-lab", env={})
    out = tmp_path / "starter"
    export_student(out, ROOT, assignment=assignment)
    lab = set(assignment.exercises)
    assert {p.stem for p in out.glob("*.py") if p.name != "conftest.py"} == lab
    assert {p.stem.removeprefix("test_") for p in (out / "spec_tests").glob("test_*.py")} == lab
    others = set(suite_exercises(ROOT)) - lab
    for path in (out / "spec_tests").rglob("*.py"):
        assert path.stem.removeprefix("test_") not in others, path
    ini = tomllib.loads((out / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert ini["gradspec_assignment"] == "autograd-lab"
    assert ini["gradspec_assignments"] == [
        "autograd-lab = elementwise_grad, nonconvex_gd, hessian, mlp"]
    assert "autograd-lab: starter repository" in (out / "README.md").read_text()
