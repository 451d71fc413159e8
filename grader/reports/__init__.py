"""Reports of one graded run: Gradescope ``results.json`` and the student's feedback pages.

Every report is computed from the same payload (the plugin's records plus what the runner
adds), through :func:`grader.reports.model.build_view`. junit.xml is pytest's own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grader.atomic import atomic_write_text
from grader.reports.feedback import render_html, render_markdown
from grader.reports.gradescope import to_gradescope
from grader.reports.model import build_view

__all__ = ["atomic_write_text", "write_reports"]


def write_reports(payload: dict[str, Any], out_dir: Path) -> None:
    """Write ``results.json``, ``feedback.md`` and ``feedback.html`` into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    view = build_view(payload)
    atomic_write_text(out_dir / "feedback.md", render_markdown(view))
    atomic_write_text(out_dir / "feedback.html", render_html(view))
    # results.json last: its presence means the whole set is complete.
    atomic_write_text(out_dir / "results.json", json.dumps(to_gradescope(view), indent=1) + "\n")


