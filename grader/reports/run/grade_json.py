"""``grade.json``: the whole :class:`grader.result.RunResult` as data, for instructors and
tools (every case with its kind, message and points, exact fractions as text)."""

from __future__ import annotations

import json
from pathlib import Path

from grader.atomic import atomic_write_text
from grader.result import RunResult


def write(result: RunResult, out_dir: Path) -> None:
    atomic_write_text(out_dir / "grade.json", json.dumps(result.to_json(), indent=1) + "\n")
