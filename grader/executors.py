"""Where a batch's grading tasks run: the seam between ``grader batch`` and the machines.

An executor takes a picklable function and picklable tasks and yields ``(task, result)`` as
each finishes, in any order; a task whose worker died yields ``(task, WorkerDied)``. The batch
driver needs nothing else, so a class that outgrows one machine swaps :class:`LocalExecutor`
for one that fans the same tasks out to a cluster (Dask distributed, Ray): the tasks carry
paths on a shared filesystem and return small dicts.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class WorkerDied(RuntimeError):
    """The process grading a task died: the task failed, the batch goes on."""


class Executor(Protocol):
    """Runs ``fn(task)`` for every task and yields ``(task, result or exception)``."""

    def run(self, fn: Callable[[T], Any], tasks: Iterable[T]) -> Iterator[tuple[T, Any]]: ...

    def close(self) -> None: ...


def default_jobs() -> int:
    """The cores this process may use (affinity-aware), at least one."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class LocalExecutor:
    """A pool of ``jobs`` local worker processes, each reused across tasks.

    Workers are *spawned* (never forked from a process with threads, such as the progress
    bar's). At most ``jobs`` tasks are in flight; if a worker dies, the pool is rebuilt and
    each task that was in flight runs again alone: the one that kills its worker then is the
    cause and gets :class:`WorkerDied`, so a death costs only its own task.
    """

    def __init__(self, jobs: int | None = None, max_tasks_per_child: int | None = None):
        self.jobs = max(1, jobs or default_jobs())
        self.max_tasks_per_child = max_tasks_per_child
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("spawn"),
                                         max_tasks_per_child=self.max_tasks_per_child)
        return self._pool

    def run(self, fn: Callable[[T], Any], tasks: Iterable[T]) -> Iterator[tuple[T, Any]]:
        queue = list(tasks)
        queue.reverse()  # pop() from the end keeps the given order
        suspects: list[T] = []  # in flight when a worker died: each runs again, alone
        pool = self._pool or self._new_pool()
        running: dict[Future[Any], T] = {}
        alone = False  # the one task in flight is a suspect running by itself
        while queue or suspects or running:
            if suspects and not running:
                task = suspects.pop()
                running[pool.submit(fn, task)] = task
                alone = True
            elif not suspects:
                while queue and len(running) < self.jobs:
                    task = queue.pop()
                    running[pool.submit(fn, task)] = task
                alone = False
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                task = running.pop(future)
                try:
                    yield task, future.result()
                except BrokenProcessPool:
                    broken = True
                    if alone:
                        yield task, WorkerDied("the grading process died on this submission "
                                               "(run alone, so it is the cause)")
                    else:
                        suspects.append(task)
                except Exception as exc:  # the function raised: the task's own failure
                    yield task, exc
            if broken:
                suspects.extend(running.values())  # in flight when the pool broke
                running.clear()
                pool = self._new_pool()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DistributedExecutor:
    """Placeholder for fanning a batch out to a cluster; see the README, "A large class".

    The design: ``run`` submits ``fn(task)`` through ``distributed.Client.submit`` (or Ray's
    ``ray.remote``) and yields from ``as_completed``; tasks and results are already small and
    picklable, submissions and the output folder must sit on a filesystem every worker
    mounts, and each worker needs gradspec installed (same constraints.txt).
    """

    engine = "a distributed engine"
    install = "pip install 'dask[distributed]'"

    def __init__(self, *args: Any, **kwargs: Any):
        raise NotImplementedError(
            f"{type(self).__name__}: not implemented yet: install {self.engine} "
            f"({self.install}), then implement run() by submitting each task to the cluster "
            "and yielding results as they complete (see grader/executors.py); until then use "
            "the local executor (--executor local)")

    def run(self, fn: Callable[[T], Any], tasks: Iterable[T]) -> Iterator[tuple[T, Any]]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class DaskExecutor(DistributedExecutor):
    """Dask distributed (``distributed.Client``): not implemented yet."""

    engine = "dask.distributed"
    install = "pip install 'dask[distributed]'"


class RayExecutor(DistributedExecutor):
    """Ray (``ray.remote`` tasks): not implemented yet."""

    engine = "ray"
    install = "pip install ray"


EXECUTORS: dict[str, Callable[..., Executor]] = {
    "local": LocalExecutor,
    "dask": DaskExecutor,
    "ray": RayExecutor,
}


def make_executor(name: str, jobs: int | None = None) -> Executor:
    """The executor called ``name`` (``local``, ``dask``, ``ray``) with ``jobs`` workers."""
    try:
        factory = EXECUTORS[name]
    except KeyError:
        raise ValueError(f"unknown executor {name!r}; choose from {sorted(EXECUTORS)}") from None
    return factory(jobs)
