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
from grader.run.launch import WARM_MODULES
from grader.runtime.confinement import die_with_parent

#: What the fork server imports once, so that each worker forked from it starts warm: the
#: heavy imports of a grading worker (torch among them) and the module of its tasks.
WORKER_PRELOAD = ("grader.run.batch", *WARM_MODULES)


def _end_with(owner: int) -> None:
    """A worker process ends with its parent (the pool's owner, or the fork server, which
    ends with the owner): an orphan never grades on."""
    _let_go_of_the_fork_server()
    die_with_parent()
    if os.getppid() == 1 or not _alive(owner):  # gone before the request took effect
        os._exit(1)


def _let_go_of_the_fork_server() -> None:
    """Close this worker's copy of the fork server's liveness pipe.

    ``multiprocessing`` hands every process forked by the fork server the write end of the
    pipe whose end-of-file tells the fork server that its owner is gone. While a worker held
    it, the fork server outlived a killed owner, and so did the workers, which die only
    with their parent, the fork server. Without it, a killed owner ends the fork server,
    and the parent-death signal ends the workers and what they started.
    """
    from multiprocessing import forkserver

    server = forkserver._forkserver
    fd = getattr(server, "_forkserver_alive_fd", None)
    if isinstance(fd, int) and getattr(server, "_forkserver_pid", None) is None:  # not the owner
        server._forkserver_alive_fd = None
        try:
            os.close(fd)
        except OSError:
            pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _worker_context() -> multiprocessing.context.BaseContext:
    """Workers forked from a fork server: a fresh single-threaded interpreter (exec'd, never
    a fork of this process, whose threads fork would not copy) that imported
    :data:`WORKER_PRELOAD` once, so each worker, and each replacement of a dead one, starts
    in a fraction of a second instead of importing torch again."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(WORKER_PRELOAD))
    return context


class LocalExecutor:
    """A pool of ``jobs`` local worker processes, each reused across tasks.

    Workers are forked from a fork server (:func:`_worker_context`), or with
    ``fork_server=False`` spawned (a fresh interpreter each, this process their parent);
    never forked from this process, whose threads, such as the progress bar's, fork would
    not copy. They die with their parent (the parent-death signal). At most
    ``jobs`` tasks are in flight; if a worker dies, the pool is rebuilt and each task that
    was in flight runs again alone: the one that kills its worker then is the cause and gets
    :class:`WorkerDied`, so a death costs only its own task.
    """

    def __init__(self, jobs: int | None = None, max_tasks_per_child: int | None = None, *,
                 fork_server: bool = True):
        self.jobs = max(1, jobs or default_jobs())
        self.max_tasks_per_child = max_tasks_per_child
        self.fork_server = fork_server
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        context = (_worker_context() if self.fork_server
                   else multiprocessing.get_context("spawn"))
        self._pool = ProcessPoolExecutor(self.jobs, mp_context=context,
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
