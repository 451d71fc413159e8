"""The Dask executor: a batch's tasks on a Dask distributed cluster (``--executor dask``).

Delivery is at least once: each task is submitted under a unique key (``pure=False``) and
the scheduler runs it again elsewhere when its worker dies, up to
``distributed.scheduler.allowed-failures`` times; then :class:`distributed.KilledWorker` is
the task's :class:`~grader.run.executors.WorkerDied`. At most as many tasks are in flight as
the cluster has threads, so a worker that dies held only what it was running. On a worker,
each task runs in a spawned single-threaded child (the local executor with one job), never
forked from the Dask worker's threads; a child that dies costs its task, not the worker.

Dask's protocol runs pickled code, so the executor refuses a cluster unless every worker
gives sandbox children the whole sandbox (namespaces: the child has no network, cannot reach
the scheduler), runs as a process that may start children (``distributed.worker.daemon:
False``) and has no memory limit of its own (the sandbox's rlimits bound each child).
"""

from __future__ import annotations

import ipaddress
import logging
import multiprocessing
import sys
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError
from pathlib import Path
from typing import Any

try:
    import dask
    from distributed import Client, Future, KilledWorker, LocalCluster, as_completed, get_worker
    from distributed.comm.addressing import get_address_host, parse_address
except ImportError as exc:  # the optional extra
    raise ImportError("it needs Dask distributed: pip install -c constraints.txt -e "
                      "'.[dask]'") from exc

from grader import __version__, settings
from grader.run.executors import ExecutorError, Finished, T, WorkerDied, default_jobs
from grader.run.executors.local import LocalExecutor
from grader.sandbox import os_support

#: Dask settings of the workers this executor starts itself, and what it checks on others.
#: A local cluster's nanny restarts a worker that a submission killed; Dask's default
#: ``lost-worker-timeout`` (15 s) closes that nanny for good when the restart (importing torch
#: on a loaded machine) takes longer, and the cluster is a worker short from then on.
WORKER_CONFIG = {"distributed.worker.daemon": False,
                 "distributed.scheduler.worker-saturation": 1.0,
                 "distributed.deploy.lost-worker-timeout": "1 hour"}
#: Seconds to wait for a first worker to join the scheduler.
WORKER_WAIT = 120.0
#: How a worker is started so that it passes :func:`worker_problems`.
WORKER_COMMAND = ("DASK_DISTRIBUTED__WORKER__DAEMON=False dask worker SCHEDULER "
                  "--nthreads 1 --memory-limit 0, as root or with CAP_SYS_ADMIN")


def worker_report(dask_worker: Any) -> dict[str, Any]:
    """What this Dask worker offers grading (run on the worker, by ``client.run``)."""
    namespaces, uid_drop = os_support()
    return {"daemon": multiprocessing.current_process().daemon,
            "memory_limit": dask_worker.memory_manager.memory_limit,
            "namespaces": namespaces, "uid_drop": uid_drop, "gradspec": __version__}


def worker_problems(address: str, report: dict[str, Any]) -> list[str]:
    """Why the worker at ``address`` must not grade, in words (nothing: it may)."""
    problems = []
    if report["daemon"]:
        problems.append(f"worker {address} is a daemonic process (distributed.worker.daemon "
                        "is True), which may not start the child that grades")
    if report["memory_limit"]:
        problems.append(f"worker {address} has a memory limit of its own "
                        f"({report['memory_limit']} bytes): Dask would pause or kill it "
                        "mid-grading, while the sandbox's rlimits already bound each child")
    if not report["namespaces"]:
        problems.append(f"worker {address} cannot give sandbox children Linux namespaces "
                        "(it needs root, or CAP_SYS_ADMIN in a pod): student code there would "
                        "reach the network, and the cluster's protocol runs pickled code")
    if not report["uid_drop"]:
        problems.append(f"worker {address} cannot run sandbox children under a uid of their "
                        "own (it needs root, or CAP_SYS_ADMIN in a pod)")
    if report["gradspec"] != __version__:
        problems.append(f"worker {address} runs gradspec {report['gradspec']}, this driver "
                        f"{__version__}")
    return problems


_local = threading.local()


def _child() -> LocalExecutor:
    """This worker thread's grading child: spawned once, reused for every task it runs (a
    child of the Dask worker itself: with one child, a fork server would save nothing)."""
    if getattr(_local, "child", None) is None:
        _local.child = LocalExecutor(1, fork_server=False)
    return _local.child


def grade_on_worker(fn: Callable[[T], Any], task: T) -> tuple[Any, str]:
    """Run ``fn(task)`` in this Dask worker's spawned child; (its result, this worker)."""
    worker = get_worker()
    problems = worker_problems(worker.address, worker_report(worker))
    if problems:
        refusal = ExecutorError("; ".join(problems) + f". Start workers as {WORKER_COMMAND}")
        return refusal, worker.address
    [done] = list(_child().run(fn, [task]))
    return done.result, worker.address


class DaskExecutor:
    """Tasks on the Dask cluster at ``scheduler`` (an address) or ``scheduler_file``; with
    neither, on a local cluster of ``jobs`` single-threaded worker processes it starts."""

    OPTIONS = ("scheduler", "scheduler_file")

    def __init__(self, jobs: int | None = None, scheduler: str | None = None,
                 scheduler_file: Path | str | None = None):
        address = settings.resolve(settings.SCHEDULER, cli=scheduler).value
        file = settings.resolve(settings.SCHEDULER_FILE, cli=scheduler_file).value
        if address and file:
            raise ValueError("give the Dask scheduler's address or its scheduler file, not "
                             "both")
        self._config = dask.config.set(WORKER_CONFIG)  # undone in close()
        self.cluster: LocalCluster | None = None
        try:
            if address or file:
                self.client = self._connect(address, file)
            else:
                self.cluster = LocalCluster(
                    n_workers=max(1, jobs or default_jobs()), threads_per_worker=1,
                    processes=True, memory_limit=0, host="127.0.0.1",
                    dashboard_address="127.0.0.1:0",
                    silence_logs=logging.ERROR)
                self.client = Client(self.cluster)
            self._check_workers()
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _connect(address: str | None, file: Path | str | None) -> Client:
        where = address or f"the scheduler file {file}"
        try:
            client = Client(address, scheduler_file=str(file) if file else None,
                            timeout=WORKER_WAIT)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ExecutorError(f"cannot reach the Dask scheduler at {where}: {exc}") from None
        scheme, _ = parse_address(client.scheduler.address)
        host = get_address_host(client.scheduler.address)
        if scheme != "tls" and not _loopback(host):
            print(f"grader batch: the Dask scheduler {client.scheduler.address} is not TLS: "
                  "whoever reaches it can run code on the workers and this driver (README: "
                  "a real cluster)", file=sys.stderr)
        return client

    def _check_workers(self) -> None:
        """Refuse the cluster, with every reason, unless each worker may grade."""
        try:
            self.client.wait_for_workers(1, timeout=WORKER_WAIT)
        except TimeoutError:
            raise ExecutorError(f"no Dask worker joined the scheduler within {WORKER_WAIT:g} "
                                f"s; start workers as {WORKER_COMMAND}") from None
        problems = [problem for address, report in sorted(self.client.run(worker_report).items())
                    for problem in worker_problems(address, report)]
        if problems:
            raise ExecutorError("refusing this Dask cluster: " + "; ".join(problems)
                                + f". Start workers as {WORKER_COMMAND}")

    def _threads(self) -> int:
        """The threads of the workers connected now (asked of the scheduler, not cached)."""
        return sum(self.client.nthreads().values())

    def describe(self) -> str:
        workers = self.client.nthreads()
        kind = "a local Dask cluster" if self.cluster else "the Dask cluster at"
        where = "" if self.cluster else f" {self.client.scheduler.address}"
        return f"{kind}{where} ({len(workers)} workers, {sum(workers.values())} threads)"

    def run(self, fn: Callable[[T], Any], tasks: Iterable[T]) -> Iterator[Finished[T]]:
        queue = deque(tasks)
        running: dict[Future, T] = {}
        finished = as_completed()
        name = getattr(fn, "__name__", "task")
        while queue or running:
            window = self._threads()
            if not window and not running:
                self._check_workers()  # all gone: wait for one (and check it) or give up
                continue
            while queue and len(running) < window:
                task = queue.popleft()
                future = self.client.submit(grade_on_worker, fn, task, pure=False,
                                            key=f"{name}-{uuid.uuid4().hex}")
                running[future] = task
                finished.add(future)
            future = next(finished)
            yield self._finished(running.pop(future), future)
            future.release()

    @staticmethod
    def _finished(task: T, future: Future) -> Finished[T]:
        try:
            result, worker = future.result()
        except KilledWorker as exc:
            return Finished(task, WorkerDied(
                f"{exc.allowed_failures + 1} Dask workers died while grading this "
                f"submission (the last: {exc.last_worker.address})"), exc.last_worker.address)
        except CancelledError:
            raise ExecutorError("the Dask scheduler dropped a task (the connection to it was "
                                "lost?); run the same command again to resume") from None
        except Exception as exc:  # e.g. the worker could not unpickle the task
            return Finished(task, exc, "")
        if isinstance(result, ExecutorError):
            raise result
        return Finished(task, result, worker)

    def close(self) -> None:
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None
        self._config.__exit__(None, None, None)


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

