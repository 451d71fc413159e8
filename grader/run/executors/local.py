"""The local executor: a pool of worker processes on this machine."""

from __future__ import annotations

import functools
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from grader.run.executors import Finished, T, WorkerDied, default_jobs, run_tagged
from grader.runtime.confinement import die_with_parent


def _end_with(parent: int) -> None:
    """A worker process ends with the one that started it: an orphan never grades on."""
    die_with_parent()
    if os.getppid() != parent:  # it was gone before the request took effect
        os._exit(1)


class LocalExecutor:
    """A pool of ``jobs`` local worker processes, each reused across tasks.

    Workers are *spawned* (never forked from a process with threads, such as the progress
    bar's) and die with the thread that started them (the parent-death signal). At most
    ``jobs`` tasks are in flight; if a worker dies, the pool is rebuilt and each task that
    was in flight runs again alone: the one that kills its worker then is the cause and gets
    :class:`WorkerDied`, so a death costs only its own task.
    """

    def __init__(self, jobs: int | None = None, max_tasks_per_child: int | None = None):
        self.jobs = max(1, jobs or default_jobs())
        self.max_tasks_per_child = max_tasks_per_child
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("spawn"),
                                         max_tasks_per_child=self.max_tasks_per_child,
                                         initializer=_end_with, initargs=(os.getpid(),))
        return self._pool

    def describe(self) -> str:
        return f"{self.jobs} local worker processes"

    def run(self, fn: Callable[[T], Any], tasks: Iterable[T]) -> Iterator[Finished[T]]:
        tagged = functools.partial(run_tagged, fn)
        queue = list(tasks)
        queue.reverse()  # pop() from the end keeps the given order
        suspects: list[T] = []  # in flight when a worker died: each runs again, alone
        pool = self._pool or self._new_pool()
        running: dict[Future[Any], T] = {}
        alone = False  # the one task in flight is a suspect running by itself
        while queue or suspects or running:
            if suspects and not running:
                task = suspects.pop()
                running[pool.submit(tagged, task)] = task
                alone = True
            elif not suspects:
                while queue and len(running) < self.jobs:
                    task = queue.pop()
                    running[pool.submit(tagged, task)] = task
                alone = False
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                task = running.pop(future)
                try:
                    result, worker = future.result()
                except BrokenProcessPool:
                    broken = True
                    if alone:
                        yield Finished(task, WorkerDied("the grading process died on this "
                                                        "submission (run alone, so it is the "
                                                        "cause)"), "")
                    else:
                        suspects.append(task)
                except Exception as exc:  # the result could not come back (unpicklable)
                    yield Finished(task, exc, "")
                else:
                    yield Finished(task, result, worker)
            if broken:
                suspects.extend(running.values())  # in flight when the pool broke
                running.clear()
                pool = self._new_pool()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
