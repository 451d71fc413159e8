"""One grade, every report: a submission whose points split into thirds and sevenths is
graded once (``grader run``) and in a class (``grader batch``), and every output — the
terminal, results.json, junit.xml, the feedback pages, grades.csv, the Canvas file and the
class report — shows the very same numbers, to the last digit."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import textwrap
from fractions import Fraction
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from grader.cli import main

PROBES = "def value(mod, k):\n    return mod.value(k)\n"
THIRDS = '''
import pytest

@pytest.mark.points(1)
@pytest.mark.parametrize("k", [1, 2, 3])
def test_thirds(subject, k):
    """Each of three cases is worth a third."""
    assert subject.call("thirds.value", k=k) == k, f"value({k}) is wrong"
'''
SEVENTHS = '''
import pytest

@pytest.mark.points(2)
@pytest.mark.parametrize("k", range(7))
def test_sevenths(subject, k):
    """Each of seven cases is worth two sevenths."""
    assert subject.call("sevenths.value", k=k) == k, f"value({k}) is wrong"
'''
HIDDEN = '''
import pytest

@pytest.mark.points(1)
@pytest.mark.parametrize("k", [10, 11, 12])
def test_hidden_thirds(subject, grading_seed, k):
    assert subject.call("sevenths.value", k=k) == k
'''
#: thirds: 2 of 3 pass; sevenths: 5 of 7 public and 2 of 3 hidden pass
SUBMISSION = {
    "thirds.py": "def value(k):\n    return k if k != 2 else -1\n",
    "sevenths.py": "def value(k):\n    return k if k not in (3, 5, 11) else -1\n",
}


def _suite(root: Path) -> Path:
    files = {
        "pytest.ini": "[pytest]\ngradspec_probes = spec_tests/probes\n"
                      "gradspec_assignments =\n    Lab 1 = thirds, sevenths\n",
        "spec_tests/__init__.py": "",
        "spec_tests/hidden/__init__.py": "",
        "spec_tests/probes/thirds.py": PROBES,
        "spec_tests/probes/sevenths.py": PROBES,
        "spec_tests/test_thirds.py": THIRDS,
        "spec_tests/test_sevenths.py": SEVENTHS,
        "spec_tests/hidden/test_sevenths.py": HIDDEN,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text).lstrip())
    return root


def _submission(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name, text in SUBMISSION.items():
        (folder / name).write_text(text)
    return folder


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Grade the submission every way once; return what each way printed or wrote."""
    tmp = tmp_path_factory.mktemp("one-grade")
    suite = _suite(tmp / "suite")
    sub = _submission(tmp / "class" / "kim")
    out = tmp / "run"
    terminal = subprocess.run([sys.executable, "-m", "grader", "run", str(sub), "--out",
                               str(out), "--suite", str(suite), "--seed", "5"],
                              capture_output=True, text=True, timeout=300)
    assert terminal.returncode == 1, terminal.stdout + terminal.stderr
    batch_out = tmp / "batch"
    assert main(["batch", str(tmp / "class"), "--out", str(batch_out), "--suite", str(suite),
                 "--seed", "5", "--jobs", "1", "--assignment", "Lab 1"]) == 0
    local = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                            "--impl", str(sub), "--grading-seed", "5", "spec_tests"],
                           cwd=suite, capture_output=True, text=True, timeout=300)
    return {"run": out, "batch": batch_out, "terminal": terminal.stdout, "local": local.stdout}


# exact: thirds 2/3 = 0.6667 of 1; sevenths 10/7 public + 2/3 hidden = 2.0952 of 3;
# total 58/21 = 2.7619 of 4
TOTAL, MAX = "2.7619", "4"
THIRDS_PTS, SEVENTHS_PTS = "0.6667", "2.0952"
SEVENTHS_PUBLIC, PUBLIC = "1.4286", "2.0953"


def test_the_numbers_are_the_exact_shares_rounded_once(graded: dict[str, object]) -> None:
    doc = json.loads((graded["run"] / "grade.json").read_text())
    assert Fraction(doc["score"]) == Fraction(TOTAL) and Fraction(doc["max_score"]) == 4
    per = {ex["name"]: Fraction(ex["earned"]) for ex in doc["exercises"]}
    assert per == {"sevenths": Fraction(SEVENTHS_PTS), "thirds": Fraction(THIRDS_PTS)}
    assert sum(Fraction(t["score"]) for t in doc["tests"]) == Fraction(TOTAL)  # exactly
    assert sum(Fraction(t["max_score"]) for t in doc["tests"]) == 4


def test_every_report_of_the_run_agrees(graded: dict[str, object]) -> None:
    out: Path = graded["run"]
    assert f"{TOTAL} / {MAX} points" in graded["terminal"]
    assert re.search(rf"thirds\s+{THIRDS_PTS} / 1\b", graded["terminal"])
    assert re.search(rf"sevenths\s+{SEVENTHS_PTS} / 3\b", graded["terminal"])
    results = json.loads((out / "results.json").read_text())
    assert results["score"] == float(TOTAL)
    rows = [t["score"] for t in results["tests"] if "score" in t]
    assert sum(rows) == pytest.approx(float(TOTAL), abs=1e-9)
    # shown before publication: the public points (the exercise's total split exactly into
    # public 1.4286 and hidden 0.6666), the hidden tests' total in one line
    assert f"**Public tests: {PUBLIC} / 3 points**" in results["output"]
    assert f"| thirds | {THIRDS_PTS} / 1 |" in results["output"]
    assert f"| sevenths | {SEVENTHS_PUBLIC} / 2 |" in results["output"]
    assert "Hidden tests: 1 point, shown when grades are published." in results["output"]
    md = (out / "feedback.md").read_text()
    html = (out / "feedback.html").read_text()
    for page in (md, html):
        assert f"Score: {TOTAL} / {MAX} points" in page
        assert f"{THIRDS_PTS} / 1" in page and f"{SEVENTHS_PTS} / 3" in page
    junit = ET.parse(out / "junit.xml").getroot()
    assert junit.find("properties/property[@name='score']").get("value") == f"{TOTAL} / {MAX}"
    case_points = [float(p.get("value")) for p in junit.iter("property")
                   if p.get("name") == "score" and p.get("value").count("/") == 0]
    assert sum(case_points) == pytest.approx(float(TOTAL), abs=1e-9)


def test_the_class_reports_agree_with_the_run(graded: dict[str, object]) -> None:
    out: Path = graded["batch"]
    rows = list(csv.DictReader(io.StringIO((out / "grades.csv").read_text())))
    assert rows == [{**rows[0], "student_id": "kim", "thirds": THIRDS_PTS,
                     "sevenths": SEVENTHS_PTS, "total": TOTAL, "max": MAX, "status": "ok"}]
    canvas = list(csv.reader(io.StringIO((out / "canvas_import.csv").read_text())))
    assert canvas[0][-1] == "Lab 1" and canvas[1][-1] == MAX and canvas[2][-1] == TOTAL
    report = (out / "report.html").read_text()
    assert f"<td>{THIRDS_PTS}</td>" in report and f"<td>{SEVENTHS_PTS}</td>" in report
    assert f"<td>{TOTAL}</td>" in report
    student = json.loads((out / "students" / "kim" / "results.json").read_text())
    run = json.loads((graded["run"] / "results.json").read_text())
    for doc in (student, run):
        doc.pop("execution_time")
    assert student == run  # the same grade, graded alone or in a class


def test_a_students_own_pytest_shows_the_same_score(graded: dict[str, object]) -> None:
    assert f"Score: {TOTAL} / {MAX} points" in graded["local"]
    assert re.search(rf"thirds\s+{THIRDS_PTS} / 1\b", graded["local"])
