"""Where a batch's grading tasks run: the seam between ``grader batch`` and the machines.

An executor takes a picklable function and picklable tasks and yields a :class:`Finished`
(the task, its result, the worker that ran it) as each finishes, in any order, each task
exactly once; a task whose worker died yields :class:`WorkerDied` as its result, a task whose
function raised yields the exception. The batch driver needs nothing else: the tasks carry
paths on a filesystem every worker sees and return small data. :data:`EXECUTORS` names them
for ``grader batch --executor``; adding one is its module plus one line there.
"""

from __future__ import annotations

import importlib
import os
import socket
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

T = TypeVar("T")

#: name -> "module:class"; the class is built as ``cls(jobs, **options)``, where ``options``
#: are the names in its ``OPTIONS`` (command-line values; None: not given).
EXECUTORS = {
    "local": "grader.run.executors.local:LocalExecutor",
    "dask": "grader.run.executors.dask:DaskExecutor",
}


class WorkerDied(RuntimeError):
    """The process grading a task died: the task failed, the batch goes on."""


class ExecutorError(RuntimeError):
    """The executor cannot go on (a refused or lost cluster): the batch stops, resumably."""


class Finished(NamedTuple, Generic[T]):
    """One task done: its result (or the exception it ended with) and who ran it."""

    task: T
    result: Any
    worker: str


class Executor(Protocol):
    """Runs ``fn(task)`` for every task and yields a :class:`Finished` per task."""

    def run(self, fn: Callable[[T], Any], tasks: Iterable[T]) -> Iterator[Finished[T]]: ...

    def describe(self) -> str:
        """Where the tasks run, in words (printed above the progress bar)."""
        ...

    def close(self) -> None: ...


def default_jobs() -> int:
    """The cores this process may use (affinity-aware), at least one."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def this_process() -> str:
    """This process as a ledger names the worker that graded: host and pid."""
    return f"{socket.gethostname()} pid {os.getpid()}"


def run_tagged(fn: Callable[[T], Any], task: T) -> tuple[Any, str]:
    """``fn(task)`` (or the exception it raised) and the process it ran in (in a worker)."""
    try:
        return fn(task), this_process()
    except Exception as exc:  # the task's own failure, reported as its result
        return exc, this_process()


def make_executor(name: str, jobs: int | None = None, **options: Any) -> Executor:
    """The executor called ``name`` with ``jobs`` workers and its ``options`` (None: not given)."""
    try:
        module, _, cls_name = EXECUTORS[name].partition(":")
    except KeyError:
        raise ValueError(f"unknown executor {name!r}; choose from {sorted(EXECUTORS)}") from None
    try:
        cls = getattr(importlib.import_module(module), cls_name)
    except ImportError as exc:  # an optional extra that is not installed
        raise ValueError(f"--executor {name}: {exc}") from None
    given = {key: value for key, value in options.items() if value is not None}
    foreign = sorted(set(given) - set(getattr(cls, "OPTIONS", ())))
    if foreign:
        flags = ", ".join("--" + key.replace("_", "-") for key in foreign)
        raise ValueError(f"{flags}: not an option of --executor {name}")
    return cls(jobs, **given)
