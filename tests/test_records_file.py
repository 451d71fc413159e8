"""The records file's journal: what a reader makes of it at every moment a writer can stop."""

from __future__ import annotations

import os
from pathlib import Path

from grader import records_file
from grader.records_file import RecordsFile


def _record(name: str, outcome: str = "not run") -> dict:
    return {"nodeid": f"t.py::{name}", "outcome": outcome}


def _planned(path: Path) -> RecordsFile:
    journal = RecordsFile(path, {"impl": "x", "mode": "isolated"})
    journal.plan([_record("a"), _record("b"), _record("c", "skipped")])
    return journal


def test_the_plan_lists_every_case_and_no_exit_status(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    _planned(path)
    records, facts = records_file.read(path)
    assert [r["outcome"] for r in records] == ["not run", "not run", "skipped"]
    assert facts == {"impl": "x", "mode": "isolated", "exitstatus": None}


def test_finished_cases_replace_their_plan_in_order(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    journal = _planned(path)
    journal.finished(_record("b", "passed"))
    journal.finished(_record("a", "failed"))
    records, facts = records_file.read(path)
    assert [(r["nodeid"], r["outcome"]) for r in records] == [
        ("t.py::a", "failed"), ("t.py::b", "passed"), ("t.py::c", "skipped")]
    assert facts["exitstatus"] is None  # still running, or killed


def test_the_end_line_is_final_and_adds_facts(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    journal = _planned(path)
    journal.finished(_record("a", "passed"))
    journal.end(1, [_record("a", "passed"), _record("b", "failed"), _record("d", "passed")],
                sandbox_cpu_seconds=1.5)
    records, facts = records_file.read(path)
    assert [r["outcome"] for r in records] == ["passed", "failed", "skipped", "passed"]
    assert facts["exitstatus"] == 1 and facts["sandbox_cpu_seconds"] == 1.5
    assert facts["impl"] == "x"


def test_a_line_torn_by_a_kill_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    journal = _planned(path)
    journal.finished(_record("a", "passed"))
    with path.open("a") as fh:  # what a writer killed inside write() leaves
        fh.write('{"record": {"nodeid": "t.py::b", "outc')
    records, _ = records_file.read(path)
    assert [r["outcome"] for r in records] == ["passed", "not run", "skipped"]


def test_damage_before_the_last_line_makes_the_file_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    journal = _planned(path)
    journal.finished(_record("a", "passed"))
    text = path.read_text()
    torn_inside = text.replace('"passed"', '"pass', 1)
    path.write_text(torn_inside + '{"record": {"nodeid": "t.py::b"}}\n')
    assert records_file.read(path) is None
    path.write_text('["not", "a", "plan"]\n')
    assert records_file.read(path) is None
    path.write_text(text + '{"record": {"no": "nodeid"}}\n')
    assert records_file.read(path) is None


def test_missing_or_empty_files_are_none(tmp_path: Path) -> None:
    assert records_file.read(tmp_path / "absent.json") is None
    (tmp_path / "empty.json").write_text("")
    assert records_file.read(tmp_path / "empty.json") is None


def test_a_run_that_planned_nothing_still_ends_with_a_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    RecordsFile(path, {"impl": "x"}).end(2, [])
    records, facts = records_file.read(path)
    assert records == [] and facts["exitstatus"] == 2 and facts["impl"] == "x"


def test_writing_a_case_costs_the_same_whatever_the_file_holds(tmp_path: Path) -> None:
    """Each finished case is one append: the file grows by that line, never rewritten."""
    path = tmp_path / "r.json"
    journal = RecordsFile(path, {})
    journal.plan([_record(str(i)) for i in range(500)])
    inode = os.stat(path).st_ino
    before = path.stat().st_size
    journal.finished(_record("7", "passed"))
    line = len(b'{"record": {"nodeid": "t.py::7", "outcome": "passed"}}\n')
    assert path.stat().st_size == before + line and os.stat(path).st_ino == inode
