"""``grader batch`` for the platforms: Canvas's assignment header and logins from a roster, the
late policy from Canvas's ``_LATE`` mark or a roster's times, GitHub Classroom's
``assignment-username`` folders, and student folders that hold only what students may see."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from minisuite import build_suite

from grader.intake.roster import Roster
from grader.run.batch import run_batch

GOOD = "def add(a, b):\n    return a + b\n"
DROPS_B = "def add(a, b):\n    return a\n"
CANVAS_ROSTER = """\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Lab 1 (4242)
    Points Possible,,,,,6
"Smith, Jane",12345,s1001,jsmith,Section 1,
"Doe, John",23456,s1002,jdoe,Section 2,
"""


def _csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text())))


def _rows(out: Path) -> dict[str, dict[str, str]]:
    return {r["student_id"]: r for r in csv.DictReader(io.StringIO(
        (out / "grades.csv").read_text()))}


def test_a_canvas_gradebook_export_is_a_roster(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(CANVAS_ROSTER)
    roster = Roster.read(path)
    assert [e.canvas_id for e in roster.entries] == ["12345", "23456"]  # no Points Possible
    jane = roster.find("12345")
    assert jane is roster.find("s1001")
    assert jane.meta() == {"name": "Smith, Jane", "login": "jsmith", "sis_id": "s1001",
                           "section": "Section 1", "canvas_id": "12345"}
    assert roster.find("nobody") is None
    path.write_text("student_id,submitted_at\nx,yesterday\n")
    with pytest.raises(ValueError, match="student x"):
        Roster.read(path)


@pytest.mark.parametrize("bad", ["missing", "a_folder", "not_utf8"])
def test_an_unreadable_roster_is_refused_in_one_line_naming_it(tmp_path: Path, capsys,
                                                              bad: str) -> None:
    from grader.cli import main

    (tmp_path / "class" / "ann").mkdir(parents=True)
    roster = tmp_path / "roster.csv"
    if bad == "a_folder":
        roster.mkdir()
    elif bad == "not_utf8":
        roster.write_bytes(b"student_id\n\xff\xfe\n")
    code = main(["batch", str(tmp_path / "class"), "--out", str(tmp_path / "out"),
                 "--roster", str(roster)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith(f"grader batch: --roster {roster}: cannot read it"), err
    assert not (tmp_path / "out" / "grades.csv").exists()


@pytest.mark.slow
def test_canvas_download_late_mark_roster_and_assignment_id(tmp_path: Path) -> None:
    suite = build_suite(tmp_path / "suite")
    with open(suite / "pytest.ini", "a", encoding="utf-8") as ini:
        ini.write("gradspec_assignments =\n    Lab 1 = adder\n")  # the assignment graded
    cls = tmp_path / "canvas"
    cls.mkdir()
    (cls / "smithjane_LATE_12345_67890_adder.py").write_text(GOOD)
    (cls / "doejohn_23456_67891_adder.py").write_text(DROPS_B)
    roster = tmp_path / "roster.csv"
    roster.write_text(CANVAS_ROSTER)
    out = tmp_path / "out"
    run_batch(cls, out, jobs=1, seed=3, suite=suite, assignment="Lab 1", canvas_id="4242",
              roster=roster, late_policy="10%/day", report=False)

    canvas = _csv(out / "canvas_import.csv")
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                         "Lab 1 (4242)"]  # the header Canvas matches to its assignment
    assert canvas[1] == ["Points Possible", "", "", "", "", "6"]
    # the login, never an e-mail; the late submission loses 10 % (one day: Canvas's mark)
    assert canvas[2:] == [["Smith, Jane", "12345", "s1001", "jsmith", "Section 1", "5.4"],
                          ["Doe, John", "23456", "s1002", "jdoe", "Section 2", "2"]]
    rows = _rows(out)
    assert (rows["12345"]["total"], rows["12345"]["raw_total"]) == ("5.4", "6")
    assert "marked late (counted as 1 day late): 10 % off" in rows["12345"]["late"]
    assert (rows["23456"]["total"], rows["23456"]["raw_total"], rows["23456"]["late"]) == \
        ("2", "2", "")

    # what students get holds no hidden message; the instructor's folder holds everything
    for sid in ("12345", "23456"):
        student, private = out / "students" / sid, out / "instructor" / sid
        assert sorted(p.name for p in student.iterdir()) == [
            "feedback.html", "feedback.md", "junit.xml", "results.json"]
        assert sorted(p.name for p in private.iterdir()) == ["grade.json", "pytest.log"]
    doc = json.loads((out / "students" / "23456" / "results.json").read_text())
    (hidden,) = [t for t in doc["tests"] if "hidden" in t.get("tags", [])]
    assert hidden["status"] == "failed" and "assert" not in hidden["output"]
    whole = json.loads((out / "instructor" / "23456" / "grade.json").read_text())
    (record,) = [t for t in whole["tests"] if t["hidden"]]
    assert "assert" in record["message"]  # the hidden inputs, for the instructor only
    late = json.loads((out / "students" / "12345" / "results.json").read_text())
    assert late["score"] == 5.4 and "Late: marked late" in late["output"]


@pytest.mark.slow
def test_github_classroom_clones_mapped_to_ids_with_roster_times(tmp_path: Path) -> None:
    suite = build_suite(tmp_path / "suite")
    cls = tmp_path / "lab1-submissions"
    for folder, code in (("lab1-octocat", GOOD), ("lab1-hubot", GOOD), ("lab1-ghost", DROPS_B)):
        (cls / folder).mkdir(parents=True)
        (cls / folder / "adder.py").write_text(code)
    roster = tmp_path / "classroom_roster.csv"
    roster.write_text(
        '"identifier","github_username","github_id","name","submitted_at","due_date"\n'
        '"s-oct","octocat","1","Octo Cat","2026-11-24T20:00:00Z","2026-11-24T23:59:00Z"\n'
        '"s-hub","hubot","2","Hu Bot","2026-11-26T20:00:00Z","2026-11-24T23:59:00Z"\n')
    out = tmp_path / "out"
    run_batch(cls, out, jobs=1, seed=3, suite=suite, roster=roster,
              late_policy="25%/day", report=False)
    rows = _rows(out)
    assert set(rows) == {"s-oct", "s-hub", "lab1-ghost"}  # not on the roster: its folder name
    assert (rows["s-oct"]["total"], rows["s-oct"]["late"]) == ("6", "")
    assert (rows["s-hub"]["total"], rows["s-hub"]["raw_total"]) == ("3", "6")
    assert "2 days late: 50 % off" in rows["s-hub"]["late"]
    canvas = {r[2]: r for r in _csv(out / "canvas_import.csv")[2:]}
    assert canvas["s-oct"] == ["Octo Cat", "", "s-oct", "", "", "6"]  # no login known: empty

    # the same class again, nothing changed: nothing graded, the ids stay mapped
    again = run_batch(cls, out, jobs=1, seed=3, suite=suite, roster=roster,
                      late_policy="25%/day", report=False)
    assert again["graded"] == 0 and set(_rows(out)) == set(rows)
    # another late policy is another grade: graded again
    assert run_batch(cls, out, jobs=1, seed=3, suite=suite, roster=roster,
                     late_policy="10%/day", report=False)["graded"] == 1
    assert _rows(out)["s-hub"]["total"] == "4.8"
