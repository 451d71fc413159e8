"""Where a batch's grading tasks run: the seam between ``grader batch`` and the machines.

An executor takes a picklable function and picklable tasks and yields ``(task, result)`` as
each finishes, in any order; a task whose worker died yields ``(task, WorkerDied)``. The batch
driver needs nothing else: the tasks carry paths on a filesystem every worker sees and
return small dicts. :data:`EXECUTORS` names them for ``grader batch --executor``; adding one
is its module plus one line there.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

#: name -> "module:class"; the class is built as ``cls(jobs)``.
EXECUTORS = {
    "local": "grader.run.executors.local:LocalExecutor",
}


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


def make_executor(name: str, jobs: int | None = None) -> Executor:
    """The executor called ``name`` with ``jobs`` workers."""
    try:
        module, _, cls = EXECUTORS[name].partition(":")
    except KeyError:
        raise ValueError(f"unknown executor {name!r}; choose from {sorted(EXECUTORS)}") from None
    return getattr(importlib.import_module(module), cls)(jobs)
