"""Graded runs for the harness's own tests, with sandbox children started either way.

``plain``: as ``grader run`` grades without a zygote (``GRADSPEC_ZYGOTE=0``, or on a CUDA
machine): each child a fresh ``unshare python -I``. ``zygote``: as a batch worker grades (a
single-threaded process with a zygote forks the pytest run, and every sandbox child is
forked from the zygote), in a helper process of its own. Either way
the test reads what the run left on disk: ``grade.json`` and ``results.json``.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from grader import settings
from grader.result import TestRecord
from grader.run.runner import grade_submission

SPAWNS = ("plain", "zygote")

_ZYGOTE_RUN = """
import json, sys
from pathlib import Path
from grader.run.launch import ForkedPytest
from grader.run.runner import grade_submission
from grader.sandbox import start_zygote, use_zygote

args = json.loads(sys.argv[1])
zygote = start_zygote()
assert zygote is not None, "no zygote here"
use_zygote(zygote)
grade_submission(Path(args["sub"]), Path(args["out"]), suite_root=Path(args["suite"]),
                 seed=args["seed"], probe_timeout=args["probe_timeout"],
                 hide_paths=[Path(p) for p in args["hide"]],
                 total_timeout=args["total_timeout"], launcher=ForkedPytest())
zygote.close()
"""


@dataclass
class Graded:
    """What a graded run left in its folder."""

    out: Path
    doc: dict
    results: dict

    @property
    def score(self) -> Fraction:
        return Fraction(self.doc["score"])

    @property
    def exit_status(self) -> int:
        return int(self.doc["exit_status"])

    @property
    def per_exercise(self) -> dict[str, tuple[float, float]]:
        return {ex["name"]: (float(Fraction(ex["earned"])), float(Fraction(ex["possible"])))
                for ex in self.doc["exercises"]}

    def records(self, exercise: str) -> list[TestRecord]:
        return [TestRecord.from_json(t) for t in self.doc["tests"] if t["exercise"] == exercise]


@contextlib.contextmanager
def _environ(**values: str) -> Iterator[None]:
    """This process's environment with ``values`` set, while in the block."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def grade(sub: Path, out: Path, *, suite: Path, spawn: str = "plain", seed: int = 1234,
          probe_timeout: float = 5.0, total_timeout: float = 120.0,
          hide: tuple[Path, ...] = ()) -> Graded:
    """Grade ``sub`` into ``out`` with children started the ``spawn`` way."""
    hide = (sub, *hide)
    if spawn == "plain":
        with _environ(**{settings.ZYGOTE.env: "0"}):
            grade_submission(sub, out, suite_root=suite, seed=seed, probe_timeout=probe_timeout,
                             hide_paths=list(hide), total_timeout=total_timeout)
    else:
        args = {"sub": str(sub), "out": str(out), "suite": str(suite), "seed": seed,
                "probe_timeout": probe_timeout, "total_timeout": total_timeout,
                "hide": [str(p) for p in hide]}
        done = subprocess.run([sys.executable, "-c", _ZYGOTE_RUN, json.dumps(args)],
                              capture_output=True, text=True, timeout=total_timeout + 60)
        assert done.returncode == 0, done.stdout + done.stderr
    return Graded(out, json.loads((out / "grade.json").read_text()),
                  json.loads((out / "results.json").read_text()))
