"""What the batch tests share, whatever the executor: classes made of the reference and the
template, a frozen copy of the suite, readers of a batch's output, and the kill-and-resume
scenario (a batch SIGKILLed mid-way, then run again, grades each student once)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The files every graded student's folder holds: one attempt's reports, nothing else (the
#: instructor's, which hold the hidden tests' messages, are in instructor/<id>/).
REPORTS = ["feedback.html", "feedback.md", "junit.xml", "results.json"]
INSTRUCTOR_REPORTS = ["grade.json", "pytest.log"]


def modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.py") if p.name != "__init__.py")


def copy_modules(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True)
    for module in modules(src):
        shutil.copyfile(module, dst / module.name)
    return dst


def honest_class(root: Path, students: dict[str, str]) -> Path:
    """A class folder: each student id -> a copy of ``reference`` or ``student_template``."""
    cls = root / "class"
    cls.mkdir()
    for sid, source in students.items():
        copy_modules(ROOT / source, cls / sid)
    return cls


def frozen_suite(root: Path) -> Path:
    """A copy of the spec suite: a batch test must not see the suite change mid-test."""
    for folder in ("spec_tests", "reference"):  # the hidden tests compare with the reference
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copyfile(ROOT / name, root / name)
    return root


def grade_rows(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((out / "grades.csv").read_text())))


def ledger_entries(out: Path) -> list[dict]:
    path = out / "ledger.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def kill_mid_batch_then_resume(cmd: list[str], out: Path, ids: list[str]) -> list[dict[str, str]]:
    """Run ``cmd`` (a ``grader batch``), SIGKILL its process group once the ledger has a row,
    run it again to the end; assert nothing was lost, duplicated or graded twice; the rows."""
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 400
    while len(ledger_entries(out)) < 1 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = {e["student_id"]: e for e in ledger_entries(out)}
    assert 1 <= len(before) < len(ids), "the kill should land mid-batch"
    mid = grade_rows(out)
    assert sorted(r["student_id"] for r in mid) == ids  # the CSV is whole even after SIGKILL
    # the CSV may lag the ledger by a second, never run ahead of it
    assert {r["student_id"] for r in mid if r["status"] != "pending"} <= set(before)

    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = grade_rows(out)
    assert [r["student_id"] for r in rows] == ids
    ledger = ledger_entries(out)
    assert sorted(e["student_id"] for e in ledger) == ids  # each graded exactly once
    after = {e["student_id"]: e for e in ledger}
    for sid, entry in before.items():
        assert after[sid]["graded_at"] == entry["graded_at"]  # not graded again
    return rows
