"""The class report: figures as PNG and SVG, a self-contained page that a browser renders."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from grader.reports.gradebook import Gradebook
from grader.reports.gradebook.class_report import pass_rates
from grader.reports.gradebook.class_report import write as write_report

ROOT = Path(__file__).resolve().parent.parent
CHECK = ROOT / "scripts" / "check_report_in_browser.py"


def _class() -> Gradebook:
    """A small graded class: ledger entries, each with its run's per-test summary."""
    entries = []
    for i, passed in enumerate([4, 3, 1, 0]):
        tests = [{"test": f"ex: test {t}", "exercise": "ex", "hidden": False, "cases": 2,
                  "passed": sum(t * 2 + c < passed for c in range(2))} for t in range(2)]
        # a test whose only case is skipped here (not applicable) is not in the summary
        entries.append({"student_id": f"s{i}", "status": "ok", "graded": True,
                        "score": str(passed), "max_score": "4",
                        "per_exercise": {"ex": [str(passed), "4"]}, "tests": tests,
                        "out_dir": f"students/s{i}", "message": ""})
    entries.append({"student_id": "<img src=x onerror=alert(1)>", "status": "invalid zip",
                    "graded": False, "score": "0", "max_score": "0", "per_exercise": {},
                    "tests": [], "out_dir": "students/x", "message": "not a zip file"})
    return Gradebook.of(entries)


def test_pass_rates_per_test_over_the_class() -> None:
    rates = {name: (rate, n) for name, rate, n in pass_rates(_class())}
    assert rates == {"ex: test 0": (5 / 8, 8), "ex: test 1": (3 / 8, 8)}


def test_report_and_figures(tmp_path: Path) -> None:
    entries = _class()
    report = write_report(entries, tmp_path)
    figures = sorted(p.name for p in (tmp_path / "figures").iterdir())
    assert figures == [f"{stem}.{ext}" for stem in
                       ("pass_rate_per_test", "points_per_exercise", "score_histogram")
                       for ext in ("png", "svg")]
    html = report.read_text()
    assert html.count("data:image/png;base64,") == 3
    assert "<img src=x" not in html and "&lt;img src=x" in html  # ids are escaped
    assert "invalid zip" in html and "not a zip file" in html
    svg = (tmp_path / "figures" / "score_histogram.svg").read_bytes()
    write_report(entries, tmp_path)
    assert (tmp_path / "figures" / "score_histogram.svg").read_bytes() == svg  # deterministic


def _browser() -> str | None:
    sys.path.insert(0, str(CHECK.parent))
    try:
        from check_report_in_browser import find_browser
    finally:
        sys.path.remove(str(CHECK.parent))
    return find_browser()


@pytest.mark.skipif(_browser() is None, reason="no headless Chromium installed "
                                               "(apt-get install chromium-headless-shell)")
def test_report_renders_in_a_real_browser(tmp_path: Path) -> None:
    report = write_report(_class(), tmp_path)
    shot = tmp_path / "shot.png"
    done = subprocess.run([sys.executable, str(CHECK), str(report), "--screenshot", str(shot)],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    assert shot.stat().st_size > 10_000
    broken = report.read_text().replace("data:image/png;base64,", "data:image/png;base64,AAAA", 1)
    report.write_text(broken)  # the check must notice a figure that does not decode
    done = subprocess.run([sys.executable, str(CHECK), str(report)], capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 1 and "figures decoded" in done.stdout
