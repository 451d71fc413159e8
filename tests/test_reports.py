"""Reports from real plugin payloads: Gradescope's results.json schema (a row per test
function, score-less informational rows, the leaderboard), hidden tests shown as the reveal
policy says, student output escaped, atomic writes, ungradable submissions,
``grader gradescope``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from gradescope_helpers import check_gradescope_schema, gradescope_root, run_gradescope
from minisuite import build_suite

from grader import corpus, scoring, validate
from grader import result as grade
from grader.atomic import atomic_write_text
from grader.outcome import FailureKind, Reveal, SubmissionStatus, TestOutcome
from grader.reports.run import ReportOptions, write_run_reports
from grader.reports.text import fence
from grader.result import RunResult, Submission, TestRecord

EVIL = "<script>alert('pwned')</script></pre><img src=x onerror=alert(1)> [click](http://x) ```"
HIDDEN_SENTINEL = "HIDDEN-INPUT-7f3a"

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
    assert doc["test_output_format"] == "md"
    scored = [t for t in doc["tests"] if "score" in t]
    # one row per test function, its cases listed in its output
    assert [t["name"] for t in scored] == ["adder: Adds two integers.", "adder: test_add_zero",
                                           "adder: test_add_random"]
    assert [t["number"] for t in scored] == ["1.1", "1.2", "1.3"]
    assert [t["max_score"] for t in scored] == [3, 1, 2]
    assert all(t["status"] == "passed" and t["output_format"] == "md" for t in scored)
    assert "3 of 3 cases passed" in scored[0]["output"]
    assert "✅ small: passed" in scored[0]["output"]
    assert "not applicable here: 1 case (CUDA is not available" in scored[1]["output"]
    assert scored[0]["tags"] == ["adder", "values"]
    assert scored[0]["extra_data"] == {
        "exercise": "adder", "hidden": False, "categories": ["values"],
        "cases": [{"case": c, "status": "passed", "kind": None, "score": 1, "max_score": 1}
                  for c in ("small", "zeros", "negative")]}
    # score-less rows: what could not run here, and the sandbox's protections
    info = [t for t in doc["tests"] if "score" not in t]
    assert [t["name"] for t in info] == [
        "CUDA is not available on this machine: 1 case not applicable here",
        "Sandbox protections in force"]
    assert [t["number"] for t in info] == ["2.1", "2.2"]
    assert "- network namespace" in info[1]["output"]
    # before publication the page shows the public points only
    assert "**Public tests: 4 / 4 points**" in doc["output"]
    assert "Hidden tests: 2 points, shown when grades are published." in doc["output"]
    assert "6" not in doc["output"].replace("Hidden tests: 2 points", "")
    assert "CUDA is not available" in doc["output"]
    assert "**Score: 6 / 6 points**" in md and "### Hidden tests: 2 / 2 points" in md
    assert "1 case: CUDA is not available on this machine" in md
    assert "Score: 6 / 6 points" in html


def test_per_case_rows_on_request(reference_payload: list[TestRecord], tmp_path: Path) -> None:
    write_run_reports(graded(reference_payload), tmp_path, ReportOptions(per_case_rows=True))
    doc, _, _ = read_reports(tmp_path)
    check_gradescope_schema(doc)
    scored = [t for t in doc["tests"] if "score" in t]
    assert [t["name"] for t in scored] == [
        "adder: Adds two integers. [small]", "adder: Adds two integers. [zeros]",
        "adder: Adds two integers. [negative]", "adder: test_add_zero [cpu]",
        "adder: test_add_random"]
    assert [t["number"] for t in scored] == ["1.1", "1.2", "1.3", "1.4", "1.6"]
    # the three cases of a 3-point test share it exactly; the skipped cuda case is not listed
    assert [t["max_score"] for t in scored] == [1.0, 1.0, 1.0, 1.0, 2.0]
    assert scored[0]["extra_data"]["case"] == "small"


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


def _student_files(out: Path) -> dict[str, str]:
    """Each student-facing file's text (Markdown escapes undone, so names read plainly)."""
    return {name: (out / name).read_text().replace("\\_", "_")
            for name in ("results.json", "feedback.md", "feedback.html", "junit.xml")}


@pytest.mark.parametrize("reveal", list(Reveal))
def test_hidden_tests_show_what_the_reveal_policy_says(mutant_payload: RunResult, tmp_path: Path,
                                                      reveal: Reveal) -> None:
    out, private = tmp_path / "student", tmp_path / "instructor"
    write_run_reports(mutant_payload, out, ReportOptions(reveal=reveal), instructor_dir=private)
    doc = json.loads((out / "results.json").read_text())
    check_gradescope_schema(doc)
    assert doc["score"] == 2.0  # test_add[zeros] and test_add_zero[cpu] survive b being ignored
    hidden = [t for t in doc["tests"] if "hidden" in t["tags"]]
    public = [t for t in doc["tests"] if "hidden" not in t["tags"] and "score" in t]
    assert len(hidden) == 1 and hidden[0]["visibility"] == "after_published"
    assert hidden[0]["status"] == "failed" and hidden[0]["score"] == 0
    assert hidden[0]["max_score"] == 2 and "timeout" in hidden[0]["output"]  # how it ended
    assert public and all(t["visibility"] == "visible" for t in public)
    assert "add(1, 2) returned 1, expected 3" in public[0]["output"]  # a public failure's own
    # Shown at once, before publication: the public points, the hidden tests' total only.
    assert "**Public tests: 2 / 4 points**" in doc["output"]
    assert "Hidden tests: 2 points, shown when grades are published." in doc["output"]
    assert "Score:" not in doc["output"] and "/ 6" not in doc["output"]
    files = _student_files(out)
    for name, text in files.items():
        assert (HIDDEN_SENTINEL in text) == (reveal is Reveal.FULL), (name, reveal)
        assert ("test_add_random" in text) == (reveal is not Reveal.POINTS), (name, reveal)
    if reveal is Reveal.POINTS:
        assert hidden[0]["name"] == "adder: hidden test 1"
        assert hidden[0]["extra_data"]["categories"] == []
    else:
        assert hidden[0]["name"] == "adder: test_add_random"
    for page in (files["feedback.md"], files["feedback.html"]):
        assert "Hidden tests: 0 / 2 points" in page and "1 timeout" in page
        assert "Adds two integers" in page
    assert "adder: 2 / 6 points" in files["feedback.md"]
    # the instructor's files hold everything, and only they do
    assert sorted(p.name for p in private.iterdir()) == ["grade.json"]
    assert not (out / "grade.json").exists()
    assert HIDDEN_SENTINEL in (private / "grade.json").read_text()


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
    failed = [t for t in doc["tests"] if t.get("status") == "failed"]
    assert failed and failed[0]["output_format"] == "md"
    # Markdown on Gradescope: the message verbatim, in a code block longer than any backtick
    # run it holds; nothing of it outside that block
    row = failed[0]["output"]
    block = re.search(r"^(`{4,})text\n(.*?)\n\1$", row, re.M | re.S)
    assert block and "<script>alert('pwned')</script>" in block.group(2)
    assert "<script>" not in row.replace(block.group(0), "")

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
    assert doc["score"] == 0 and all(t.get("score", 0) == 0 for t in doc["tests"])
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


def test_gradescope_refuses_a_missing_seed_file_or_suite(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A --seed-file that names no file (a typo in run_autograder) must stop the run, not
    grade the hidden tests with the public default seed; a suite folder without spec_tests/
    is refused in one line too. Nothing is graded either way."""
    toy = Path(__file__).resolve().parent / "fixtures" / "toy_suite"
    monkeypatch.delenv("GRADSPEC_SEED", raising=False)
    root = gradescope_root(tmp_path, toy, {"arith.py": "x = 1\n"})
    for extra, phrase in (((str(toy), "--seed-file", str(tmp_path / "no_such_seed")),
                           "no_such_seed: no such file"),
                          ((str(tmp_path / "nowhere"),), "holds no spec_tests/")):
        with pytest.raises(SystemExit) as stopped:
            run_gradescope(root, *extra)
        assert str(stopped.value).startswith("grader gradescope: ") and phrase in str(
            stopped.value)
        assert not (root / "results" / "results.json").exists()


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
