"""``grader batch --executor dask`` on a real Dask cluster: two single-threaded worker processes
on loopback. It grades as the local executor grades, and a worker's death, a poison
submission or a killed driver costs no row and duplicates none."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import dask
import pytest
from batch_classes import (
    INSTRUCTOR_REPORTS,
    REPORTS,
    ROOT,
    frozen_suite,
    grade_rows,
    honest_class,
    kill_mid_batch_then_resume,
    ledger_entries,
)
from distributed import Client, LocalCluster

from grader import __version__
from grader.run.attempts import Attempt
from grader.run.batch import GradeTask, grade_task, run_batch
from grader.run.executors import ExecutorError, WorkerDied, make_executor
from grader.run.executors.dask import grade_on_worker, worker_problems
from grader.sandbox import os_support

#: The test cluster's settings: a task whose worker died twice is KilledWorker (the default
#: allows three deaths), so that a poison submission costs two worker restarts, not four; a
#: nanny whose worker takes long to restart on a loaded machine is not closed for good.
CLUSTER_CONFIG = {"distributed.worker.daemon": False,
                  "distributed.scheduler.allowed-failures": 1,
                  "distributed.deploy.lost-worker-timeout": "1 hour"}
WAIT = 300  # seconds: how long a test waits for a cluster to get its workers back
#: A whole batch on two loaded cores takes minutes, past the suite's 120 s per test.
BATCH_TIMEOUT = pytest.mark.timeout(900)


def _cluster(n_workers: int, **kwargs: object) -> LocalCluster:
    return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                        host="127.0.0.1", dashboard_address="127.0.0.1:0",
                        silence_logs=logging.ERROR, **kwargs)


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    """The cluster of these tests. The nanny reads the worker settings again whenever it
    restarts a worker, so they stay set while the cluster lives."""
    if not all(os_support()):
        pytest.skip("the Dask executor refuses workers without the whole sandbox (Linux "
                    "namespaces and a uid of its own: root)")
    with dask.config.set(CLUSTER_CONFIG):
        made = _cluster(2, memory_limit=0)
        try:
            yield made
        finally:
            made.close()


@pytest.fixture(scope="module")
def client(cluster: LocalCluster) -> Iterator[Client]:
    with Client(cluster) as made:
        yield made


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    return frozen_suite(tmp_path / "suite")


def _work(task: str) -> object:
    """A task for the executor tests (in the worker's grading child): its child dies, it kills
    the Dask worker above it, it raises, or it doubles."""
    if task == "die":
        os._exit(3)
    if task == "poison":
        os.kill(os.getppid(), signal.SIGKILL)
        os._exit(4)
    if task == "raise":
        raise ValueError("bad task")
    return int(task) * 2


def _poison_or_grade(task: GradeTask) -> Attempt:
    """Kills the Dask worker above its grading child for the student ``poison``, every time;
    grades everyone else for real."""
    if task.student_id == "poison":
        os.kill(os.getppid(), signal.SIGKILL)
        os._exit(4)
    return grade_task(task)


def _parent(pid: int) -> int | None:
    """The parent of process ``pid`` (None: it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rpartition(")")[2].split()[1])


def test_each_task_comes_back_once_through_deaths(cluster: LocalCluster,
                                                  client: Client) -> None:
    tasks = ["1", "die", "2", "raise", "poison", "5", "6"]
    pool = make_executor("dask", scheduler=cluster.scheduler_address)
    try:
        finished = list(pool.run(_work, tasks))
    finally:
        pool.close()
    assert sorted(done.task for done in finished) == sorted(tasks)  # each exactly once
    results = {done.task: done.result for done in finished}
    workers = {done.task: done.worker for done in finished}
    for task in ("1", "2", "5", "6"):
        assert results[task] == 2 * int(task), "an innocent task must not pay for a death"
        assert workers[task].startswith("tcp://127.0.0.1:"), "the ledger names a Dask worker"
    assert isinstance(results["raise"], ValueError)
    assert isinstance(results["die"], WorkerDied)  # its grading child died, not the worker
    assert "grading process died" in str(results["die"])
    assert isinstance(results["poison"], WorkerDied)  # KilledWorker: two workers died on it
    assert "2 Dask workers died" in str(results["poison"])
    client.wait_for_workers(2, timeout=WAIT)  # the nanny restarted what the poison killed


def test_a_worker_without_the_whole_sandbox_is_refused() -> None:
    fine = {"daemon": False, "memory_limit": None, "namespaces": True, "uid_drop": True,
            "gradspec": __version__}
    assert worker_problems("tcp://w:1", fine) == []
    for broken, words in [({"namespaces": False}, "reach the network"),
                          ({"uid_drop": False}, "uid of their own"),
                          ({"gradspec": "0.0.1"}, "runs gradspec 0.0.1")]:
        assert words in " ".join(worker_problems("tcp://w:1", {**fine, **broken})), broken


def test_a_misconfigured_cluster_is_refused_with_every_reason() -> None:
    with dask.config.set({"distributed.worker.daemon": True}):  # Dask's own defaults
        bad = _cluster(1, memory_limit="2GiB")
    try:
        with pytest.raises(ExecutorError) as refused:
            make_executor("dask", scheduler=bad.scheduler_address)
        message = str(refused.value)
        assert "daemonic" in message and "memory limit" in message
        assert "DASK_DISTRIBUTED__WORKER__DAEMON=False" in message
        assert "--memory-limit 0" in message
        with Client(bad) as client:  # a worker that joins later is refused at its first task
            refusal, worker = client.submit(grade_on_worker, _work, "1", pure=False).result()
        assert isinstance(refusal, ExecutorError) and "daemonic" in str(refusal)
    finally:
        bad.close()


def test_options_of_one_executor_are_refused_by_another(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="--scheduler: not an option of --executor local"):
        make_executor("local", 1, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(ValueError, match="not both"):
        make_executor("dask", 1, scheduler="tcp://127.0.0.1:1", scheduler_file=tmp_path / "f")


@pytest.mark.slow
@BATCH_TIMEOUT
def test_example_class_gets_the_local_executors_grades(suite: Path, tmp_path: Path) -> None:
    """With neither --scheduler nor a scheduler file: a local cluster of --jobs workers."""
    outs = {}
    for executor in ("local", "dask"):
        outs[executor] = tmp_path / executor
        run_batch(ROOT / "examples" / "class", outs[executor], jobs=2, seed=7, suite=suite,
                  executor=executor, report=False)
    rows = {executor: [{k: v for k, v in row.items() if k != "graded_at"}
                       for row in grade_rows(out)] for executor, out in outs.items()}
    assert rows["dask"] == rows["local"]
    assert len(rows["dask"]) == len(os.listdir(ROOT / "examples" / "class"))
    graded = [e for e in ledger_entries(outs["dask"]) if e.get("graded")]
    assert graded and all(e["worker"].startswith("tcp://127.0.0.1:") for e in graded)


@pytest.mark.slow
@BATCH_TIMEOUT
def test_a_worker_killed_mid_grade_costs_a_regrade_not_a_row(cluster: LocalCluster,
                                                             client: Client, suite: Path,
                                                             tmp_path: Path) -> None:
    students = {"s1": "reference", "s2": "student_template", "s3": "reference"}
    cls, out = honest_class(tmp_path, students), tmp_path / "out"
    workers = {pid: address for address, pid in client.run(os.getpid).items()}
    summary: dict = {}
    batch = threading.Thread(target=lambda: summary.update(run_batch(
        cls, out, seed=3, suite=suite, executor="dask", report=False,
        executor_options={"scheduler": cluster.scheduler_address})))
    batch.start()
    victim = None  # (attempt folder, its grading child, the Dask worker above it)
    while victim is None and batch.is_alive():
        for folder in sorted((out / ".attempts").glob("s*/*")):
            child = int(folder.name.rsplit("-", 2)[1])
            if _parent(child) in workers:
                victim = (folder, child, _parent(child))
                break
        time.sleep(0.02)
    assert victim is not None, "the batch ended before any grading started"
    folder, child, worker = victim
    os.kill(worker, signal.SIGKILL)  # mid-grade: its attempt folder exists, it has no row
    batch.join(timeout=900)
    assert not batch.is_alive() and summary["statuses"] == {"ok": 3}

    entries = ledger_entries(out)
    assert sorted(e["student_id"] for e in entries) == sorted(students)  # once each
    assert [r["student_id"] for r in grade_rows(out)] == sorted(students)
    regraded = {e["student_id"]: e for e in entries}[folder.parent.name]
    assert regraded["attempt"] != folder.name, "the killed attempt was not the one recorded"
    assert regraded["worker"] != workers[worker], "regraded on another worker"
    totals = {r["student_id"]: float(r["total"]) for r in grade_rows(out)}
    assert totals["s1"] == totals["s3"] > 0 == totals["s2"]

    def reports() -> dict[str, dict[str, bytes]]:
        return {sid: {p.name: p.read_bytes() for p in (out / "students" / sid).iterdir()}
                for sid in students}

    recorded = reports()
    assert all(sorted(files) == REPORTS for files in recorded.values())
    assert all(sorted(p.name for p in (out / "instructor" / sid).iterdir()) == INSTRUCTOR_REPORTS
               for sid in students)
    deadline = time.monotonic() + WAIT
    while _parent(child) is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _parent(child) is None, "the killed worker's grading child ended with it"
    assert reports() == recorded, "a late attempt never touches a recorded student folder"
    client.wait_for_workers(2, timeout=WAIT)


@pytest.mark.slow
@BATCH_TIMEOUT
def test_a_poison_submission_is_one_crashed_row(cluster: LocalCluster, client: Client,
                                                suite: Path, tmp_path: Path) -> None:
    students = {"alice": "reference", "poison": "reference", "tom": "student_template"}
    cls, out = honest_class(tmp_path, students), tmp_path / "out"
    summary = run_batch(cls, out, seed=3, suite=suite, executor="dask", report=False,
                        executor_options={"scheduler": cluster.scheduler_address},
                        grade=_poison_or_grade)
    assert summary["statuses"] == {"grader crashed": 1, "ok": 2}
    rows = {r["student_id"]: r for r in grade_rows(out)}
    assert sorted(rows) == sorted(students)
    assert rows["poison"]["status"] == "grader crashed"
    assert float(rows["alice"]["total"]) == float(rows["alice"]["max"]) > 0
    assert rows["tom"]["status"] == "ok" and float(rows["tom"]["total"]) == 0
    entries = [e for e in ledger_entries(out) if e["student_id"] == "poison"]
    assert len(entries) == 1 and "Dask workers died" in entries[0]["message"]
    assert "grader failed" in (out / "students" / "poison" / "feedback.md").read_text()
    client.wait_for_workers(2, timeout=WAIT)  # the cluster recovers its workers


@pytest.mark.slow
@BATCH_TIMEOUT
def test_a_killed_driver_resumes_with_only_the_missing_rows(cluster: LocalCluster,
                                                            suite: Path,
                                                            tmp_path: Path) -> None:
    ids = ["s1", "s2", "s3", "s4"]
    cls = honest_class(tmp_path, {sid: "reference" if sid in ("s1", "s3") else "student_template"
                                  for sid in ids})
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "grader", "batch", str(cls), "--out", str(out), "--seed", "3",
           "--no-report", "--suite", str(suite), "--executor", "dask", "--scheduler",
           cluster.scheduler_address]
    rows = kill_mid_batch_then_resume(cmd, out, ids)
    assert all(r["status"] == "ok" for r in rows)
    totals = {r["student_id"]: float(r["total"]) for r in rows}
    assert totals["s1"] == totals["s3"] > 0 == totals["s2"] == totals["s4"]
    assert all(e["worker"].startswith("tcp://127.0.0.1:") for e in ledger_entries(out))
