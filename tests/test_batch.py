"""``grader batch``: parallel isolated grading, bad input as statuses, resumable after SIGKILL."""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from batch_classes import (
    ROOT,
    copy_modules,
    frozen_suite,
    grade_rows,
    honest_class,
    kill_mid_batch_then_resume,
    ledger_entries,
)
from sandbox_helpers import parents

from grader.run.attempts import Attempt, new_attempt
from grader.run.executors import EXECUTORS, WorkerDied, make_executor

GRADES_FIXED = ["student_id"]


def _work(task: object) -> object:
    """A task for the executor tests: dies, raises or doubles (runs in a worker process)."""
    if task == "die":
        os._exit(3)
    if task == "raise":
        raise ValueError("bad task")
    return int(task) * 2  # type: ignore[call-overload]


@pytest.mark.parametrize("tasks", [["1", "2", "die", "raise", "5"],
                                   ["die", "1", "2", "3", "raise", "4"]])
def test_local_executor_survives_a_dying_worker(tasks: list[str]) -> None:
    pool = make_executor("local", 2)
    try:
        pairs = list(pool.run(_work, tasks))
    finally:
        pool.close()
    assert sorted(t for t, _, _ in pairs) == sorted(tasks)  # every task exactly once
    results = {task: result for task, result, _ in pairs}
    workers = {task: worker for task, _, worker in pairs}
    for task in tasks:
        if task.isdigit():
            assert results[task] == 2 * int(task), "an innocent task must not pay for a death"
    assert isinstance(results["die"], WorkerDied)
    assert isinstance(results["raise"], ValueError)
    pids = {int(workers[t].rpartition(" pid ")[2]) for t in tasks if t != "die"}
    assert os.getpid() not in pids, "the tasks ran in worker processes, and they say which"


def _parent_facts(task: object) -> tuple[int, bool]:
    """A worker's parent, and whether that parent has torch loaded (its memory maps)."""
    parent = os.getppid()
    return parent, "libtorch" in Path(f"/proc/{parent}/maps").read_text()


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_local_workers_are_forked_from_a_fork_server_that_imported_torch() -> None:
    """So a second worker, or the replacement of one a submission killed, starts warm."""
    pool = make_executor("local", 2)
    try:
        pairs = list(pool.run(_parent_facts, ["a", "b", "die-free"]))
    finally:
        pool.close()
    parents = {result for _, result, _ in pairs}
    assert len(parents) == 1, parents  # one fork server for the pool
    [(parent, warm)] = parents
    assert parent != os.getpid() and warm


def test_only_built_executors_are_offered() -> None:
    """No placeholder: every executor named can be made, and an unknown name says so."""
    for name in EXECUTORS:
        make_executor(name, 1).close()
    with pytest.raises(ValueError, match="unknown executor 'ray'"):
        make_executor("ray", 2)


def _grader_breaks(task: object) -> dict:
    raise RuntimeError("the runner broke")


_GRADED = {"status": "ok", "graded": True, "score": "1", "max_score": "2",
           "per_exercise": {"ex": ["1", "2"]}, "tests": [], "submission_hash": "",
           "execution_time": 0.0, "message": ""}


def _grader_works(task: object) -> Attempt:
    folder = new_attempt(Path(task.attempts_dir))  # type: ignore[attr-defined]
    (folder / "feedback.md").write_text("graded\n")
    return Attempt(dict(_GRADED), str(folder))


def _grader_elsewhere(task: object) -> Attempt:
    """A worker that does not share DIR: its reports are in a folder the driver cannot see."""
    elsewhere = Path(task.attempts_dir) / "on-another-filesystem"  # type: ignore[attr-defined]
    return Attempt(dict(_GRADED), str(elsewhere))


def test_a_grader_failure_costs_one_row_and_is_retried_next_run(tmp_path: Path) -> None:
    from grader.run.batch import run_batch

    cls = tmp_path / "class"
    (cls / "ann").mkdir(parents=True)
    (cls / "ann" / "m.py").write_text("x = 1\n")
    out = tmp_path / "out"
    first = run_batch(cls, out, jobs=1, grade=_grader_breaks, report=False)
    assert first["statuses"] == {"grader error": 1}
    assert "grader failed" in (out / "students" / "ann" / "feedback.md").read_text()
    second = run_batch(cls, out, jobs=1, grade=_grader_works, report=False)
    assert second["graded"] == 1 and second["statuses"] == {"ok": 1}
    assert (out / "students" / "ann" / "feedback.md").read_text() == "graded\n"
    assert sorted(p.name for p in (out / "students" / "ann").iterdir()) == ["feedback.md"], (
        "the recorded attempt's folder replaces the earlier one whole")
    assert run_batch(cls, out, jobs=1, grade=_grader_breaks, report=False)["graded"] == 0


def test_reports_the_driver_cannot_see_are_a_grader_error(tmp_path: Path) -> None:
    from grader.run.batch import run_batch

    (tmp_path / "class" / "ann").mkdir(parents=True)
    (tmp_path / "class" / "ann" / "m.py").write_text("x = 1\n")
    out = tmp_path / "out"
    summary = run_batch(tmp_path / "class", out, jobs=1, grade=_grader_elsewhere, report=False)
    assert summary["statuses"] == {"grader error": 1}, "not the worker's claimed ok"
    [entry] = ledger_entries(out)
    assert "every worker mounts" in entry["message"] and entry["key"] == ""  # graded again


def test_two_batches_never_write_one_folder_at_once(tmp_path: Path) -> None:
    import fcntl

    from grader.run.batch import run_batch

    (tmp_path / "class" / "ann").mkdir(parents=True)
    (tmp_path / "class" / "ann" / "m.py").write_text("x = 1\n")
    out = tmp_path / "out"
    out.mkdir()
    with open(out / ".batch.lock", "w") as held:  # as a running batch holds it
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(ValueError, match="another `grader batch` is writing"):
            run_batch(tmp_path / "class", out, grade=_grader_works, report=False)
    assert run_batch(tmp_path / "class", out, grade=_grader_works, report=False)["graded"] == 1


def test_example_full_marks_student_is_the_reference() -> None:
    alice = ROOT / "examples" / "class" / "alice"
    modules = sorted(p for p in (ROOT / "reference").glob("*.py") if p.name != "__init__.py")
    assert sorted(p.name for p in alice.iterdir()) == [p.name for p in modules]
    for module in modules:
        assert (alice / module.name).read_bytes() == module.read_bytes(), (
            f"examples/class/alice/{module.name} is stale: run python examples/make_class.py")


# --- with the isolated runner --------------------------------------------------------------


@pytest.fixture
def runner() -> object:
    return pytest.importorskip("grader.run.runner")


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    return frozen_suite(tmp_path / "suite")


def _bad_class(root: Path) -> Path:
    """Two honest students and one of every kind of bad entry."""
    cls = root / "class"
    cls.mkdir()
    copy_modules(ROOT / "reference", cls / "alice")
    copy_modules(ROOT / "student_template", cls / "tom")
    (cls / "corrupt.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    with zipfile.ZipFile(cls / "escape.zip", "w") as zf:
        zf.writestr("../../escaped.py", "x = 1\n")
    with zipfile.ZipFile(cls / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("cosine.py", b"#" * (60 << 20))  # 60 MB of one byte: ~60 kB zipped
    (cls / "dup").mkdir()
    (cls / "dup" / "cosine.py").write_text("x = 1\n")
    with zipfile.ZipFile(cls / "dup.zip", "w") as zf:
        zf.writestr("cosine.py", "x = 2\n")  # a second "dup": duplicate id
    (cls / "empty").mkdir()
    (cls / "notes.txt").write_text("a stray file")
    os.mkdir(os.path.join(os.fsencode(cls), b"ren\xe9"))
    return cls


@pytest.mark.slow
def test_batch_grades_a_class_and_bad_input_costs_only_its_row(runner: object, suite: Path,
                                                               tmp_path: Path) -> None:
    from grader.run.batch import run_batch

    cls = _bad_class(tmp_path)
    out = tmp_path / "out"
    summary = run_batch(cls, out, jobs=2, seed=7, suite=suite)
    rows = {r["student_id"]: r for r in grade_rows(out)}
    assert [r["student_id"] for r in grade_rows(out)] == sorted(rows)
    assert set(rows) == {"alice", "tom", "corrupt", "escape", "bomb", "dup", "empty",
                         "notes.txt", "ren\\xe9"}
    alice, tom = rows["alice"], rows["tom"]
    assert alice["status"] == "ok" and float(alice["total"]) == float(alice["max"]) > 0
    assert tom["status"] == "ok" and float(tom["total"]) == 0
    assert rows["alice"]["status"] != rows["corrupt"]["status"]
    for bad in ("corrupt", "escape", "bomb"):
        assert rows[bad]["status"] not in ("ok", "pending", "grader error", "grader crashed")
        assert float(rows[bad]["total"] or 0) == 0
    assert rows["dup"]["status"] == "duplicate id"
    assert rows["empty"]["status"] == "empty submission"
    assert rows["notes.txt"]["status"] == "stray file"
    assert rows["ren\\xe9"]["status"] == "invalid file name"
    assert not (tmp_path / "escaped.py").exists()
    for student in ("alice", "empty", "dup"):  # graded, or why not, in the same four files
        for name in ("results.json", "feedback.md", "feedback.html", "junit.xml"):
            assert (out / "students" / student / name).is_file(), (student, name)
    canvas = list(csv.reader(io.StringIO((out / "canvas_import.csv").read_text())))
    assert canvas[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert canvas[1][0] == "Points Possible" and canvas[1][5] == alice["max"]
    assert (out / "report.html").is_file() and (out / "figures" / "score_histogram.svg").is_file()
    assert summary["graded"] >= 5

    # Run again: nothing changed, nothing graded, the very same CSV.
    before = (out / "grades.csv").read_bytes()
    lines = len(ledger_entries(out))
    assert run_batch(cls, out, jobs=2, seed=7, suite=suite)["graded"] == 0
    assert (out / "grades.csv").read_bytes() == before and len(ledger_entries(out)) == lines

    # One student changes their file: only they are graded again.
    shutil.rmtree(cls / "tom")
    copy_modules(ROOT / "reference", cls / "tom")
    again = run_batch(cls, out, jobs=2, seed=7, suite=suite)
    assert again["graded"] == 1
    rows = {r["student_id"]: r for r in grade_rows(out)}
    assert float(rows["tom"]["total"]) == float(rows["tom"]["max"])
    assert len(ledger_entries(out)) == lines + 1


@pytest.mark.slow
def test_sigkill_mid_batch_then_resume_grades_each_student_once(runner: object, suite: Path,
                                                                tmp_path: Path) -> None:
    ids = ["s1", "s2", "s3", "s4"]
    cls = honest_class(tmp_path, {sid: "reference" if sid in ("s1", "s3") else "student_template"
                                  for sid in ids})
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "grader", "batch", str(cls), "--out", str(out), "--jobs",
           "1", "--seed", "3", "--no-report", "--suite", str(suite)]
    rows = kill_mid_batch_then_resume(cmd, out, ids)
    assert all(r["status"] == "ok" for r in rows)
    totals = {r["student_id"]: float(r["total"]) for r in rows}
    assert totals["s1"] == totals["s3"] > 0 == totals["s2"] == totals["s4"]


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (host pids, read from /proc)."""
    tree = parents()
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in tree.items() if parent in frontier} - found
        found |= frontier
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_a_killed_driver_leaves_no_process_behind(suite: Path, tmp_path: Path) -> None:
    """SIGKILL to the batch driver alone (an OOM kill, ``kill -9``): its fork server,
    workers, zygote, pytest runs and sandbox children all end with it."""
    cls = honest_class(tmp_path, {f"s{i}": "reference" for i in range(4)})
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "grader", "batch", str(cls), "--out",
                             str(out), "--jobs", "2", "--seed", "3", "--no-report", "--suite",
                             str(suite)], cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    below: set[int] = set()
    try:
        deadline = time.monotonic() + 300
        while not list((out / ".attempts").glob("s*/*")) and time.monotonic() < deadline:
            assert proc.poll() is None, "the batch ended before grading started"
            time.sleep(0.05)
        time.sleep(1.0)  # the sandbox children of the first runs are up
        below = _descendants(proc.pid)
        assert len(below) >= 4, below  # fork server, workers, zygote, pytest runs
        proc.kill()  # the driver alone, not its process group
        proc.wait()
        deadline = time.monotonic() + 30
        while {p for p in below if _running(p)} and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not {p for p in below if _running(p)}, "processes outlived the driver"
    finally:  # whatever survived (only if this test fails): not left running
        for pid in {proc.pid, *below}:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait()


def test_batch_bad_input_loses_no_earlier_result(tmp_path: Path, capsys) -> None:
    """An --out that is a file, and an empty (or mistyped) class folder rerun onto an earlier
    batch's folder: one clear line, exit 2, and the earlier grades.csv and ledger unchanged."""
    from grader.cli import main
    from grader.run.batch import run_batch

    cls = tmp_path / "class"
    (cls / "ann").mkdir(parents=True)
    (cls / "ann" / "m.py").write_text("x = 1\n")
    out = tmp_path / "out"
    run_batch(cls, out, jobs=1, grade=_grader_works, report=False)
    capsys.readouterr()
    before = {name: (out / name).read_bytes() for name in ("grades.csv", "ledger.jsonl")}
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("mine\n")
    for argv, phrase in ((["batch", str(tmp_path / "empty"), "--out", str(out)],
                          "no submissions there"),
                         (["batch", str(cls), "--out", str(tmp_path / "notes.txt")],
                          "is a file, not a folder")):
        assert main([*argv, "--suite", str(ROOT / "tests" / "fixtures" / "toy_suite")]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("grader batch: ") and phrase in err[0], err
    assert {name: (out / name).read_bytes() for name in before} == before
    assert (tmp_path / "notes.txt").read_text() == "mine\n"


def test_an_interrupted_batch_keeps_what_finished_and_says_how_to_resume(
        tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C after the first of two submissions: grades.csv holds its row (the second
    pending), the command says what is kept and exits 130; the rerun grades only the rest."""
    from grader.cli import main
    from grader.run import batch

    cls = tmp_path / "class"
    for name in ("ann", "bob"):
        (cls / name).mkdir(parents=True)
        (cls / name / "m.py").write_text("x = 1\n")
    out = tmp_path / "out"

    def interrupted(self: object, graded: bool) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(batch._Progress, "advance", interrupted)
        with pytest.raises(KeyboardInterrupt):
            batch.run_batch(cls, out, jobs=1, grade=_grader_works, report=False)
    rows = {r["student_id"]: r["status"] for r in csv.DictReader(
        io.StringIO((out / "grades.csv").read_text()))}
    assert sorted(rows.values()) == ["ok", "pending"], rows
    assert batch.run_batch(cls, out, jobs=1, grade=_grader_works, report=False)["graded"] == 1

    def stopped(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "run_batch", stopped)
    capsys.readouterr()
    assert main(["batch", str(cls), "--out", str(out)]) == 130
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "interrupted" in err[0] and "run the same command again" in err[0]


_WORKER_LAUNCHERS: list[object] = []


def _a_workers_memo_folder(_: object) -> str:
    """A batch worker's launcher, kept for the worker's life as batch.py keeps it."""
    from grader.run.launch import ForkedPytest

    _WORKER_LAUNCHERS.append(ForkedPytest(modules=()))
    return str(_WORKER_LAUNCHERS[-1].memo)  # type: ignore[attr-defined]


def test_a_batch_workers_memo_folder_is_removed_when_the_worker_ends() -> None:
    """Pool workers end without running atexit handlers: every batch used to leave one
    gradspec-memo-* folder per worker in the temp folder."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("forkserver")) as pool:
        folder = Path(pool.submit(_a_workers_memo_folder, None).result())
        assert folder.is_dir()
    assert not folder.exists()
