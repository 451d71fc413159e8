"""The ledger and the CSV files: durable, atomic, sorted, in Canvas's import format."""

from __future__ import annotations

import csv
import io
import stat
from pathlib import Path

from grader.atomic import atomic_write_text
from grader.outcome import SubmissionStatus
from grader.reports.gradebook import Gradebook, canvas, grades_csv
from grader.run.ledger import Ledger


def _entry(sid: str, score: float, status: str = "ok", **extra: object) -> dict:
    return {"student_id": sid, "status": status, "score": str(score), "max_score": "10",
            "per_exercise": {"ex_a": [str(score / 2), "5"], "ex_b": [str(score / 2), "5"]},
            "graded_at": "2026-11-24T00:00:00Z", "content_hash": f"h-{sid}", **extra}


def test_ledger_latest_entry_wins_and_torn_line_is_dropped(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.jsonl")
    ledger.append(_entry("bob", 2))
    ledger.append(_entry("alice", 4))
    ledger.append(_entry("bob", 6))
    with open(ledger.path, "ab") as fh:
        fh.write(b'{"student_id": "carol", "sco')  # killed mid-write
    entries = ledger.load()
    assert sorted(entries) == ["alice", "bob"] and entries["bob"]["score"] == "6"
    ledger.append(_entry("carol", 8))  # the next append starts on a clean line
    assert ledger.load()["carol"]["score"] == "8"
    assert all(line.startswith("{") for line in ledger.path.read_text().splitlines())


def test_grades_csv_is_sorted_complete_and_readable(tmp_path: Path) -> None:
    entries = [_entry("zoe", 10), _entry("adam", 3),
               _entry("eve", 0, status="invalid zip", per_exercise={}, max_score="0"),
               {"student_id": "mia", "status": SubmissionStatus.PENDING.value}]
    path = grades_csv.write(Gradebook.of(entries), tmp_path)
    rows = list(csv.reader(io.StringIO(path.read_text())))
    assert rows[0] == ["student_id", "ex_a", "ex_b", "total", "max", "raw_total", "late",
                       "status", "graded_at", "submission_hash"]
    assert [r[0] for r in rows[1:]] == ["adam", "eve", "mia", "zoe"]
    assert rows[1][1:8] == ["1.5", "1.5", "3", "10", "3", "", "ok"]
    assert rows[2][1:8] == ["0", "0", "0", "10", "0", "", "invalid zip"]  # class max, no points
    assert rows[3][1:8] == ["", "", "", "10", "", "", "pending"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]  # no temp file left
    again = tmp_path / "again"
    again.mkdir()
    grades_csv.write(Gradebook.of(list(reversed(entries))), again)
    assert (again / "grades.csv").read_bytes() == path.read_bytes()  # same input, same bytes


def test_canvas_import_format(tmp_path: Path) -> None:
    entries = [_entry("12345", 7.5, meta={"canvas_id": "12345", "name": "smithjane"}),
               _entry("s2", 4, meta={}),
               _entry("notes.txt", 0, status="stray file", meta={"stray": "1"})]
    path = canvas.write(Gradebook.of(entries, "Autograd lab"), tmp_path)
    rows = list(csv.reader(io.StringIO(path.read_text())))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Autograd lab"]
    assert rows[1][0] == "Points Possible" and rows[1][5] == "10"
    assert rows[2] == ["smithjane", "12345", "", "", "", "7.5"]
    assert rows[3] == ["s2", "", "s2", "", "", "4"]
    assert len(rows) == 4  # the stray file is no student


def test_canvas_header_names_the_assignment_and_login_is_never_an_email(tmp_path: Path) -> None:
    entries = [_entry("s1", 3, meta={"email": "kim@uni.edu", "name": "Kim"}),
               _entry("s2", 4, meta={"login": "lee7", "sis_id": "900", "section": "B"})]
    rows = list(csv.reader(io.StringIO(
        canvas.write(Gradebook.of(entries, "Lab 1", "4242"), tmp_path).read_text())))
    assert rows[0][-1] == "Lab 1 (4242)"
    assert rows[2] == ["Kim", "", "s1", "", "", "3"]  # a Gradescope e-mail is no login
    assert rows[3] == ["s2", "", "900", "lee7", "B", "4"]


def test_student_strings_never_become_spreadsheet_formulas(tmp_path: Path) -> None:
    """A student id or name a student chose (a folder or zip name, an LMS display name) that
    a spreadsheet would run as a formula, or that drives a terminal, is written as text;
    numbers stay numbers."""
    hostile = ['=HYPERLINK("http://evil","click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
               "\tx", "esc\x1b[2J"]
    entries = [_entry(sid, 4, meta={"name": sid}) for sid in hostile]
    for write in (grades_csv.write, canvas.write):
        rows = list(csv.reader(io.StringIO(write(Gradebook.of(entries), tmp_path).read_text())))
        cells = [cell for row in rows[1:] for cell in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], cells
        assert not [c for c in cells if "\x1b" in c]
        assert "'=HYPERLINK(\"http://evil\",\"click\")" in cells and "esc\\x1b[2J" in cells
        assert "4" in cells and "10" in cells


def test_atomic_write_replaces_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    atomic_write_text(path, "old\n")
    atomic_write_text(path, "new\n")
    assert path.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]
