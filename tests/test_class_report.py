"""The class report: figures as PNG and SVG, a self-contained page that a browser renders."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader.class_report import pass_rates, write_class_report

ROOT = Path(__file__).resolve().parent.parent
CHECK = ROOT / "scripts" / "check_report_in_browser.py"


def _class(out: Path) -> list[dict]:
    """A small graded class on disk: ledger entries plus each student's results.json."""
    entries = []
    for i, passed in enumerate([4, 3, 1, 0]):
        sid = f"s{i}"
        folder = out / "students" / sid
        folder.mkdir(parents=True)
        tests = [{"name": f"test_ex.py::test_{t}[case{c}]", "score": 1.0, "max_score": 1.0,
                  "status": "passed" if t * 2 + c < passed else "failed"}
                 for t in range(2) for c in range(2)]
        tests.append({"name": "test_ex.py::test_gpu[cuda]", "score": 0.0, "max_score": 0.0,
                      "status": "passed"})  # skipped here: not applicable
        (folder / "results.json").write_text(json.dumps({"tests": tests}))
        entries.append({"student_id": sid, "status": "ok", "score": float(passed),
                        "max_score": 4.0, "per_exercise": {"ex": [float(passed), 4.0]},
                        "out_dir": f"students/{sid}", "message": ""})
    entries.append({"student_id": "<img src=x onerror=alert(1)>", "status": "invalid zip",
                    "score": 0.0, "max_score": 0.0, "per_exercise": {}, "out_dir": "students/x",
                    "message": "not a zip file"})
    return entries


def test_pass_rates_per_test_over_the_class(tmp_path: Path) -> None:
    entries = _class(tmp_path)
    rates = {name: (rate, n) for name, rate, n in pass_rates(tmp_path, entries)}
    assert rates == {"test_ex.py::test_0": (5 / 8, 8), "test_ex.py::test_1": (3 / 8, 8)}


def test_report_and_figures(tmp_path: Path) -> None:
    entries = _class(tmp_path)
    report = write_class_report(tmp_path, entries)
    figures = sorted(p.name for p in (tmp_path / "figures").iterdir())
    assert figures == [f"{stem}.{ext}" for stem in
                       ("pass_rate_per_test", "points_per_exercise", "score_histogram")
                       for ext in ("png", "svg")]
    html = report.read_text()
    assert html.count("data:image/png;base64,") == 3
    assert "<img src=x" not in html and "&lt;img src=x" in html  # ids are escaped
    assert "invalid zip" in html and "not a zip file" in html
    svg = (tmp_path / "figures" / "score_histogram.svg").read_bytes()
    write_class_report(tmp_path, entries)
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
    report = write_class_report(tmp_path, _class(tmp_path))
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
