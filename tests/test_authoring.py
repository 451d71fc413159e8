"""The authoring guide (docs/AUTHORING.md), followed once from scratch: tests/fixtures/
leaky_relu holds a sixth exercise's files, laid out as the guide says. Copied onto a copy of
the suite and named in an assignment, it is graded by ``grader run`` and proven sound by
``grader validate``, without a change to ``grader/``: the copy has no ``grader/`` of its own,
the installed harness grades it, and ``grader/`` never names it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SIXTH = ROOT / "tests" / "fixtures" / "leaky_relu"
EXERCISE = SIXTH.name


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the suite with the sixth exercise's files added and an assignment of it."""
    root = tmp_path_factory.mktemp("authoring") / "suite"
    for folder in ("spec_tests", "reference", "student_template"):
        shutil.copytree(ROOT / folder, root / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copyfile(ROOT / name, root / name)
    shutil.copytree(SIXTH, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text()
    assert "gradspec_assignments = [\n" in text
    pyproject.write_text(text.replace("gradspec_assignments = [\n",
                                      f'gradspec_assignments = [\n    "sixth = {EXERCISE}",\n'))
    return root


def _grader(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRADSPEC_", "PYTEST_"))}
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)


def test_the_harness_never_names_the_sixth_exercise(suite: Path) -> None:
    assert not (suite / "grader").exists()
    for path in (ROOT / "grader").rglob("*"):
        if path.is_file() and path.suffix in (".py", ".j2"):
            assert EXERCISE not in path.read_text(encoding="utf-8"), path


@pytest.mark.slow
@pytest.mark.timeout(900)  # two graded runs: a guard against a hang, not a speed target
def test_grader_run_grades_the_sixth_exercise(suite: Path, tmp_path: Path) -> None:
    for impl, code, score in (("reference", 0, "10"), ("student_template", 1, "0")):
        out = tmp_path / impl
        done = _grader("run", str(suite / impl), "--out", str(out), "--suite", str(suite),
                       "--seed", "11", "--assignment", "sixth", cwd=tmp_path)
        assert done.returncode == code, done.stdout + done.stderr
        doc = json.loads((out / "grade.json").read_text())
        assert [ex["name"] for ex in doc["exercises"]] == [EXERCISE]
        assert (doc["score"], doc["max_score"]) == (score, "10")


@pytest.mark.slow
@pytest.mark.timeout(900)  # ten pytest runs of the suite: a guard against a hang
def test_grader_validate_proves_the_sixth_exercise_sound(suite: Path, tmp_path: Path) -> None:
    done = _grader("validate", "--suite", str(suite), "--assignment", "sixth", "--jobs", "2",
                   cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    out = done.stdout
    assert "assignment sixth (leaky_relu)" in out and "10 of 10 as required" in out, out
    for name in ("plain_relu", "slope_on_positive", "moved_to_cpu", "detached", "nan_garbage",
                 "zeros_garbage", "maximum", "masks"):
        assert f"-{EXERCISE}-{name}" in out, name
