"""GitHub Classroom: the ``result`` output its reporter reads (decoded from real runs and held
to the reporter's format v1), its sum as the reporter adds it, and the exported workflow."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from minisuite import build_suite

from grader.export import CLASSROOM_RUNNER, CLASSROOM_WORKFLOW, export_student
from grader.reports.run.classroom import reporter_scores

ROOT = Path(__file__).resolve().parent.parent
STATUSES = ("pass", "fail", "error")
TEST_KEYS = {"name", "status", "score", "message", "test_code", "filename", "line_no",
             "duration"}


def decode(output_file: Path) -> list[dict[str, Any]]:
    """Every ``result=<base64>`` line of a step's output file, decoded as the reporter does."""
    lines = [line for line in output_file.read_text().splitlines() if line.startswith("result=")]
    return [json.loads(base64.b64decode(line.removeprefix("result=")).decode("utf-8"))
            for line in lines]


def reporter_total(doc: dict[str, Any]) -> str:
    """The reporter's notice: ``Points X/Y``, the scores added in floating point from 0."""
    total = 0.0
    for test in doc["tests"]:
        total += test["score"]
    return f"Points {js_number(total)}/{js_number(float(doc['max_score']))}"


def js_number(value: float) -> str:
    """How JavaScript writes a number: the shortest repr, integers without ``.0``."""
    return str(int(value)) if value == int(value) else repr(value)


def check_classroom_schema(doc: dict[str, Any]) -> None:
    assert set(doc) == {"version", "status", "max_score", "tests"}
    assert doc["version"] == 1 and doc["status"] in STATUSES
    assert isinstance(doc["max_score"], int | float) and doc["max_score"] >= 0
    for test in doc["tests"]:
        assert set(test) == TEST_KEYS, set(test) ^ TEST_KEYS
        assert isinstance(test["name"], str) and test["name"]
        assert test["status"] in STATUSES
        assert isinstance(test["score"], int | float) and test["score"] >= 0
        assert isinstance(test["line_no"], int) and test["line_no"] > 0
        for key in ("message", "test_code", "filename"):
            assert isinstance(test[key], str)
        assert isinstance(test["duration"], int | float)
    names = [t["name"] for t in doc["tests"]]
    assert len(names) == len(set(names))


@pytest.fixture(scope="module")
def partial_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, list[dict]]:
    """The exported student repository with one exercise done (the reference's cosine) and the
    others the template's, run as the workflow runs it."""
    repo = tmp_path_factory.mktemp("classroom") / "repo"
    export_student(repo, ROOT)
    shutil.copyfile(ROOT / "reference" / "cosine.py", repo / "cosine.py")
    output = repo.parent / "github_output"
    output.write_text("other=1\n")  # the file already holds other steps' outputs
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GRADSPEC_", "PYTEST_", "COV_"))}
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                           f"--gradspec-classroom={output}"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=900)
    assert "gradspec score" in done.stdout, done.stdout[-3000:] + done.stderr[-2000:]
    return repo, done.stdout, decode(output)


def test_a_real_partial_run_gives_the_reporter_its_format(partial_run) -> None:
    repo, stdout, docs = partial_run
    assert len(docs) == 1
    doc = docs[0]
    check_classroom_schema(doc)
    assert doc["status"] == "fail"
    score = re.search(r"^Score: (\S+) / (\S+) public points", stdout, re.M)
    assert score is not None
    # the reporter's notice reads the terminal's own numbers, never 41.99999999
    assert reporter_total(doc) == f"Points {score.group(1)}/{score.group(2)}"
    cosine = [t for t in doc["tests"] if t["name"].startswith("cosine: ")]
    others = [t for t in doc["tests"] if not t["name"].startswith("cosine: ")]
    assert cosine and all(t["status"] == "pass" and t["message"] == "" for t in cosine)
    assert others and all(t["status"] == "fail" and t["score"] == 0 for t in others)
    assert "not implemented" in others[0]["message"]
    for test in doc["tests"]:  # each entry points at its test function
        path = repo / test["filename"]
        lines = path.read_text().splitlines()
        function = test["test_code"].split("::")[-1].rstrip("'")
        block = "\n".join(lines[test["line_no"] - 1:test["line_no"] + 8])
        assert re.search(rf"^def {function}\(", block, re.M), (test["name"], block)
        assert test["test_code"] == f"pytest '{test['filename']}::{function}'"


def test_under_xdist_the_output_is_written_once(tmp_path: Path) -> None:
    suite = build_suite(tmp_path / "suite")
    output = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "2",
                           "--impl", "reference", "--gradspec-classroom", str(output),
                           "spec_tests"], cwd=suite, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:]
    (doc,) = decode(output)
    check_classroom_schema(doc)
    assert doc["status"] == "pass" and doc["max_score"] == 6
    assert [(t["name"], t["score"]) for t in doc["tests"]] == [
        ("adder: Adds two integers.", 3), ("adder: test_add_zero", 1),
        ("adder: test_add_random", 2)]


def test_a_run_that_cannot_finish_reports_an_error(tmp_path: Path) -> None:
    suite = build_suite(tmp_path / "suite")
    (suite / "spec_tests" / "test_broken.py").write_text("import no_such_module\n")
    output = tmp_path / "out"
    subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--impl",
                    "reference", "--gradspec-classroom", str(output), "spec_tests"], cwd=suite,
                   capture_output=True, text=True, timeout=300)
    (doc,) = decode(output)
    check_classroom_schema(doc)
    assert doc["status"] == "error"


def test_reporter_sum_is_the_exact_total() -> None:
    """The reporter adds floats from 0: these, as plain floats, would read 5.440600000000001."""
    scores = [Fraction(s) for s in ("1.4286", "1", "0.25", "0.6667", "0", "0.6667", "1.4286")]
    floats = reporter_scores(scores)
    total = 0.0
    for value in floats:
        total += value
    assert repr(total) == "5.4406"
    assert [round(v, 4) for v in floats] == [float(s) for s in scores]
    naive = 0.0
    for s in scores:
        naive += float(s)
    assert repr(naive) != "5.4406"  # why the numbers are chosen at all


def test_exported_workflow_runs_the_public_tests_and_the_reporter(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    export_student(repo, ROOT)
    workflow = yaml.safe_load((repo / CLASSROOM_WORKFLOW).read_text())
    assert set(workflow["on"]) >= {"push", "repository_dispatch"}
    (job,) = workflow["jobs"].values()
    assert job["name"] == "Autograding Tests"  # the check run the reporter updates
    steps = {step.get("id") or step["name"]: step for step in job["steps"]}
    install = next(s for s in job["steps"] if "pip install" in s.get("run", ""))
    assert "-c constraints.txt" in install["run"] and "whl/cpu" in install["run"]
    tests = steps[CLASSROOM_RUNNER]
    assert '--gradspec-classroom="$GITHUB_OUTPUT"' in tests["run"]
    assert tests.get("continue-on-error") is True  # the reporter decides pass or fail
    reporter = steps["Autograding Reporter"]
    assert reporter["uses"] == "classroom-resources/autograding-grading-reporter@v1"
    assert reporter["with"]["runners"] == CLASSROOM_RUNNER
    variable = f"{CLASSROOM_RUNNER.upper()}_RESULTS"
    assert reporter["env"] == {variable: f"${{{{ steps.{CLASSROOM_RUNNER}.outputs.result }}}}"}
    assert job["steps"].index(reporter) == len(job["steps"]) - 1
