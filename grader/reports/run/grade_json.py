"""``grade.json``: the whole :class:`grader.result.RunResult` as data, for instructors and
tools (every case with its kind, message and points, exact fractions as text)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from grader.atomic import atomic_write_text
from grader.result import RunResult

if TYPE_CHECKING:
    from grader.reports.run import ReportOptions


def write(result: RunResult, out_dir: Path, options: ReportOptions | None = None) -> None:
    atomic_write_text(out_dir / "grade.json", json.dumps(result.to_json(), indent=1) + "\n")
