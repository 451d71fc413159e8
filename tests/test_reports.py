"""Reports from real plugin payloads: Gradescope's results.json schema, hidden tests kept
hidden, student output escaped, atomic writes, ungradable submissions, ``grader gradescope``."""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import zipfile
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from minisuite import build_suite

from grader import corpus, scoring, validate
from grader import result as grade
from grader.atomic import atomic_write_text
from grader.outcome import FailureKind, SubmissionStatus, TestOutcome
from grader.reports.run import write_run_reports
from grader.reports.run.feedback import fence
from grader.reports.run.gradescope import OUTPUT_FORMATS, STATUSES, VISIBILITIES
from grader.result import RunResult, Submission, TestRecord

EVIL = "<script>alert('pwned')</script></pre><img src=x onerror=alert(1)> [click](http://x) ```"
HIDDEN_SENTINEL = "HIDDEN-INPUT-7f3a"

# Gradescope autograder specification, "Output format": the keys a results.json may hold.
TOP_LEVEL_KEYS = {"score", "execution_time", "output", "output_format", "test_output_format",
                  "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests",
                  "leaderboard"}
TEST_KEYS = {"score", "max_score", "status", "name", "name_format", "number", "output",
             "output_format", "tags", "visibility", "extra_data"}


def check_gradescope_schema(doc: dict[str, Any]) -> None:
    """Every key, type and enumerated value as the specification gives them."""
    assert set(doc) <= TOP_LEVEL_KEYS, set(doc) - TOP_LEVEL_KEYS
    assert isinstance(doc["score"], int | float) and math.isfinite(doc["score"])
    assert isinstance(doc["execution_time"], int | float) and doc["execution_time"] >= 0
    assert isinstance(doc["output"], str)
    assert doc["output_format"] in OUTPUT_FORMATS
    assert doc["visibility"] in VISIBILITIES
    assert doc["stdout_visibility"] in VISIBILITIES
    assert isinstance(doc.get("extra_data", {}), dict)
    assert isinstance(doc["tests"], list)
    numbers = []
    for test in doc["tests"]:
        assert set(test) <= TEST_KEYS, set(test) - TEST_KEYS
        for key in ("name", "number", "score", "max_score", "status", "output", "tags",
                    "visibility", "output_format"):
            assert key in test, key
        assert isinstance(test["name"], str) and test["name"]
        assert re.fullmatch(r"\d+\.\d+", test["number"]), test["number"]
        numbers.append(test["number"])
        assert isinstance(test["score"], int | float) and isinstance(test["max_score"], int | float)
        assert 0 <= test["score"] <= test["max_score"]
        assert test["status"] in STATUSES
        assert (test["status"] == "passed") == (test["score"] == test["max_score"] > 0) or \
            test["max_score"] == 0
        assert test["visibility"] in VISIBILITIES
        assert test["output_format"] in OUTPUT_FORMATS
        assert isinstance(test["tags"], list) and all(isinstance(t, str) for t in test["tags"])
        assert isinstance(test["output"], str)
    assert len(numbers) == len(set(numbers)), "test numbers must be unique"
    assert doc["score"] == pytest.approx(sum(t["score"] for t in doc["tests"]), abs=1e-9)


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build_suite(tmp_path_factory.mktemp("suite"))
    evil = root / "impls/evil/adder.py"
    evil.parent.mkdir(parents=True)
    evil.write_text(f"def add(a, b):\n    return a + b if a != 1 else {EVIL!r}\n")
    return root


def records_of(run: RunResult) -> list[TestRecord]:
    return [t.record for t in run.tests]


def graded(records: list[TestRecord], status: SubmissionStatus = SubmissionStatus.OK,
           message: str = "") -> RunResult:
    """The grade as the runner builds it: records plus submission, time, protections."""
    return grade.build(records, Submission(path="/tmp/sub", hash="ab" * 32, status=status,
                                           message=message),
                       execution_time=2.5, protections=["rlimits", "network namespace"])


@pytest.fixture(scope="module")
def reference_payload(suite: Path) -> list[TestRecord]:
    return records_of(validate.run_suite(suite / "reference", suite))


@pytest.fixture(scope="module")
def mutant_payload(suite: Path) -> RunResult:
    mutant = suite / "tests/mutants/adder/ignores_b"
    records = []
    with corpus.materialized(mutant, suite / "reference") as impl:  # an override of reference/
        run = validate.run_suite(impl, suite)
    for rec in records_of(run):
        if rec.hidden:
            assert rec.outcome == "failed"
            rec = replace(rec, kind=FailureKind.TIMEOUT,
                          message=rec.message + f"\nAssertionError: input was {HIDDEN_SENTINEL}")
        records.append(rec)
    return graded(records)


@pytest.fixture(scope="module")
def evil_payload(suite: Path) -> RunResult:
    return graded(records_of(validate.run_suite(suite / "impls/evil", suite)),
                  status=SubmissionStatus.UNSAFE, message=EVIL)


def read_reports(out: Path) -> tuple[dict[str, Any], str, str]:
    return (json.loads((out / "results.json").read_text()), (out / "feedback.md").read_text(),
            (out / "feedback.html").read_text())


def test_full_marks_results_json(reference_payload: list[TestRecord], tmp_path: Path) -> None:
    write_run_reports(graded(reference_payload), tmp_path)
    doc, md, html = read_reports(tmp_path)
    check_gradescope_schema(doc)
    assert doc["score"] == 6.0 and doc["stdout_visibility"] == "hidden"
    assert doc["visibility"] == "visible" and doc["execution_time"] == 2.5
    names = [t["name"] for t in doc["tests"]]
    assert names == ["adder: Adds two integers. [small]", "adder: Adds two integers. [zeros]",
                     "adder: Adds two integers. [negative]", "adder: test_add_zero [cpu]",
                     "adder: test_add_random"]
    assert [t["number"] for t in doc["tests"]] == ["1.1", "1.2", "1.3", "1.4", "1.6"]
    # the three cases of a 3-point test share it exactly; the skipped cuda case is not listed
    assert [t["max_score"] for t in doc["tests"]] == [1.0, 1.0, 1.0, 1.0, 2.0]
    assert "CUDA is not available" in doc["output"] and "Score: 6 / 6" in doc["output"]
    assert doc["tests"][0]["tags"] == ["adder", "values"]
    assert "**Score: 6 / 6 points**" in md and "1 hidden test: 2 / 2 points" in md
    assert "1 case: CUDA is not available on this machine" in md
    assert "Score: 6 / 6 points" in html


def test_partial_credit_shares_add_up_exactly() -> None:
    records = [TestRecord(nodeid=f"t::f[{i}]", function="f", path="t", exercise="ex",
                          case=str(i), title="f", categories=(), hidden=False,
                          points=scoring.points(1), outcome=TestOutcome(o),
                          kind=None if o == "passed" else FailureKind.CHECK) for i, o in
               enumerate(["passed", "passed", "failed", "passed", "passed", "passed", "failed"])]
    view = grade.build(records)
    assert sum(t.max_score for t in view.tests) == 1  # exactly
    assert view.max_score == 1.0
    assert view.score == pytest.approx(5 / 7, abs=2e-4)
    assert all(len(scoring.fmt_points(t.max_score)) <= 6 for t in view.tests)  # 0.1429
    # the same cases reported in another order (pytest -n 2) get the same total
    shuffled = grade.build(records[::-1])
    assert shuffled.score == view.score and shuffled.max_score == view.max_score


def test_hidden_tests_are_summarised_not_shown(mutant_payload: RunResult,
                                               tmp_path: Path) -> None:
    write_run_reports(mutant_payload, tmp_path)
    doc, md, html = read_reports(tmp_path)
    check_gradescope_schema(doc)
    hidden = [t for t in doc["tests"] if "hidden" in t["tags"]]
    public = [t for t in doc["tests"] if "hidden" not in t["tags"]]
    assert len(hidden) == 1 and hidden[0]["visibility"] == "after_published"
    assert hidden[0]["status"] == "failed" and hidden[0]["score"] == 0
    assert public and all(t["visibility"] == "visible" for t in public)
    assert doc["score"] == 2.0  # test_add[zeros] and test_add_zero[cpu] survive b being ignored
    for page in (md, html):
        assert HIDDEN_SENTINEL not in page and "test_add_random" not in page
        assert "timeout" not in page  # not even how a hidden test failed
        assert "1 hidden test: 0 / 2 points" in page
        assert "Adds two integers" in page
        assert "add(1, 2) returned 1, expected 3" in page  # the public failure's own message
    assert "adder: 2 / 6 points" in md


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [name for name, _ in attrs]


def test_student_output_cannot_inject_html_or_markdown(evil_payload: RunResult,
                                                       tmp_path: Path) -> None:
    write_run_reports(evil_payload, tmp_path)
    doc, md, html = read_reports(tmp_path)
    check_gradescope_schema(doc)
    failed = [t for t in doc["tests"] if t["status"] == "failed"]
    assert failed and "<script>alert('pwned')</script>" in failed[0]["output"]
    assert failed[0]["output_format"] == "text"  # shown verbatim by Gradescope

    parser = _Tags()
    parser.feed(html)
    assert "script" not in parser.tags and "img" not in parser.tags
    assert not [a for a in parser.attrs if a.startswith("on")]
    assert "&lt;script&gt;alert(" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<style>" in html and "<link" not in html and "src=" not in html.replace(
        "&lt;img src=x", "")  # self-contained: nothing fetched

    # Markdown: the message sits in a fence longer than any backtick run it holds
    fenced = re.search(r"^(`{4,})text\n(.*?)\n\1$", md, re.M | re.S)
    assert fenced and "<script>alert('pwned')</script>" in fenced.group(2)
    outside = md.replace(fenced.group(0), "")
    assert "<script>" not in outside and "](http" not in outside
    assert "\\<script\\>" in outside  # the submission message, escaped


def test_fence_outlasts_backticks() -> None:
    assert fence("plain").startswith("```text\n")
    assert fence("a ```` b").startswith("`````text\n") and fence("a ```` b").endswith("\n`````")


def test_ungradable_submission_scores_zero_and_says_why(tmp_path: Path) -> None:
    result = grade.build([], Submission(path="/tmp/x.zip", status=SubmissionStatus.INVALID_ZIP,
                                        message="File is not a zip file"), execution_time=0.1)
    write_run_reports(result, tmp_path)
    doc, md, html = read_reports(tmp_path)
    check_gradescope_schema(doc)
    assert doc["score"] == 0 and doc["tests"] == []
    assert "could not be graded" in doc["output"] and "File is not a zip file" in doc["output"]
    assert "could not be graded: score 0" in md and "File is not a zip file" in md
    assert "invalid zip" in html and "File is not a zip file" in html


def test_status_other_than_ok_scores_zero_even_with_records(
        reference_payload: list[TestRecord], tmp_path: Path) -> None:
    payload = graded(reference_payload, status=SubmissionStatus.UNSAFE_ZIP,
                     message="member 'x' is a symbolic link")
    write_run_reports(payload, tmp_path)
    doc, md, _ = read_reports(tmp_path)
    check_gradescope_schema(doc)
    assert doc["score"] == 0 and all(t["score"] == 0 for t in doc["tests"])
    assert "could not be graded" in doc["output"] and "symbolic link" in doc["output"]
    assert "**Score: 0 / 6 points**" in md


def test_atomic_write_replaces_whole_files(tmp_path: Path) -> None:
    target = tmp_path / "results.json"
    atomic_write_text(target, "old")
    with target.open() as reader:  # a reader of the old file keeps seeing all of it
        atomic_write_text(target, "new")
        assert reader.read() == "old"
    assert target.read_text() == "new"
    with pytest.raises(TypeError):
        atomic_write_text(target, 42)  # type: ignore[arg-type]  # fails mid-write
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]  # no temp left


def test_write_reports_leaves_no_temp_files(reference_payload: list[TestRecord],
                                            tmp_path: Path) -> None:
    out = tmp_path / "deep" / "out"
    write_run_reports(graded(reference_payload), out)
    write_run_reports(graded(reference_payload), out)
    assert sorted(p.name for p in out.iterdir()) == ["feedback.html", "feedback.md",
                                                     "grade.json", "junit.xml", "results.json"]


# --- grader gradescope ----------------------------------------------------------------------


def gradescope_root(tmp_path: Path, suite: Path, submission_files: dict[str, str],
                    as_zip: bool = False) -> Path:
    root = tmp_path / "autograder"
    sub = root / "submission"
    sub.mkdir(parents=True)
    if as_zip:
        staged = tmp_path / "staged"
        staged.mkdir()
        with zipfile.ZipFile(sub / "upload.zip", "w") as zf:
            for name, text in submission_files.items():
                (staged / name).write_text(text)
                zf.write(staged / name, name)
    else:
        for name, text in submission_files.items():
            (sub / name).write_text(text)
    return root


def run_gradescope(root: Path, suite: Path) -> int:
    from grader import autograder

    args = argparse.Namespace(root=root, suite=suite, seed_file=None, probe_timeout=20.0,
                              total_timeout=300.0)
    return autograder.main(args)


def test_grading_seed_from_env_or_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from grader.autograder import grading_seed, submission_path
    from grader.settings import DEFAULT_SEED, Source

    seed_file = tmp_path / "grading_seed"
    monkeypatch.delenv("GRADSPEC_SEED", raising=False)
    assert grading_seed(None, seed_file).source is Source.DEFAULT
    assert grading_seed(None, seed_file).value == DEFAULT_SEED
    seed_file.write_text("4242\n")
    assert grading_seed(None, seed_file).value == 4242
    monkeypatch.setenv("GRADSPEC_SEED", "17")
    assert grading_seed(None, seed_file).value == 17
    explicit = tmp_path / "given_seed"
    explicit.write_text("99")
    assert grading_seed(explicit, seed_file).value == 99  # --seed-file beats the environment
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.zip").write_bytes(b"")
    assert submission_path(tmp_path / "sub") == tmp_path / "sub" / "a.zip"
    (tmp_path / "sub" / "b.py").write_text("")
    assert submission_path(tmp_path / "sub") == tmp_path / "sub"


@pytest.mark.slow
@pytest.mark.parametrize("as_zip", [False, True], ids=["files", "zip"])
def test_gradescope_command(suite: Path, tmp_path: Path, as_zip: bool) -> None:
    files = {"adder.py": "def add(a, b):\n    return a\n"}
    root = gradescope_root(tmp_path, suite, files, as_zip=as_zip)
    assert run_gradescope(root, suite) == 0
    doc = json.loads((root / "results/results.json").read_text())
    check_gradescope_schema(doc)
    assert doc["score"] == 2.0
    assert [t["visibility"] for t in doc["tests"] if "hidden" in t["tags"]] == ["after_published"]
    assert (root / "results/feedback.md").is_file() and (root / "results/feedback.html").is_file()


@pytest.mark.slow
def test_gradescope_command_on_an_empty_upload(suite: Path, tmp_path: Path) -> None:
    root = gradescope_root(tmp_path, suite, {})
    run_gradescope(root, suite)
    doc = json.loads((root / "results/results.json").read_text())
    check_gradescope_schema(doc)
    assert doc["score"] == 0


@pytest.mark.slow
def test_run_autograder_script(suite: Path, tmp_path: Path) -> None:
    """gradescope/run_autograder itself, on a Gradescope-like folder (source and venv linked)."""
    script = Path(__file__).resolve().parents[1] / "gradescope" / "run_autograder"
    root = gradescope_root(tmp_path, suite, {"adder.py": "def add(a, b):\n    return a + b\n"})
    (root / "source").symlink_to(suite)
    (root / "venv").symlink_to(Path(sys.prefix))
    env = {**os.environ, "AUTOGRADER_ROOT": str(root)}
    proc = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads((root / "results/results.json").read_text())
    check_gradescope_schema(doc)
    assert doc["score"] == 6.0
