"""Open a class report (``report.html``) in a real headless browser and check it.

Checks: the page loads in Chromium, every embedded figure decodes (the page's own script
counts the images with a natural width), the students table is there, and nothing is
fetched from outside the file (self-contained). Optionally saves a screenshot.

    python scripts/check_report_in_browser.py out/example/report.html [--screenshot shot.png]

Exit status 0 when every check passes, 1 when one fails, 2 when no browser is installed
(Debian: ``apt-get install chromium-headless-shell`` or ``chromium``).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

BROWSERS = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome")
_EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//""",
                       re.IGNORECASE)


def find_browser() -> str | None:
    """The first Chromium-like browser on PATH."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def _browser_args(browser: str) -> list[str]:
    args = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--virtual-time-budget=5000"]
    return args if "headless-shell" not in browser else [browser, *args[2:]]


def check_report(report: Path, browser: str, screenshot: Path | None = None) -> list[str]:
    """Problems found with ``report`` (empty when it is fine)."""
    report = report.resolve()
    html = report.read_text(encoding="utf-8")
    problems = []
    if _EXTERNAL.search(html):
        problems.append("the page references an external resource: not self-contained")
    dom = subprocess.run([*_browser_args(browser), "--dump-dom", report.as_uri()],
                         capture_output=True, text=True, timeout=120)
    if dom.returncode != 0 or "<body" not in dom.stdout:
        return problems + [f"the browser could not render the page (exit {dom.returncode}): "
                           f"{dom.stderr[-500:]}"]
    body = re.search(r"<body[^>]*>", dom.stdout)
    attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', body.group(0))) if body else {}
    expected, decoded = attrs.get("data-images"), attrs.get("data-images-ok")
    if not expected or expected == "0":
        problems.append("the page embeds no figure")
    elif decoded != expected:
        problems.append(f"only {decoded or 0} of {expected} figures decoded in the browser")
    if 'id="students"' not in dom.stdout:
        problems.append("the students table is missing from the rendered page")
    if screenshot is not None:
        shot = subprocess.run([*_browser_args(browser), "--window-size=1280,4000",
                               f"--screenshot={screenshot.resolve()}", report.as_uri()],
                              capture_output=True, text=True, timeout=120)
        if shot.returncode != 0 or not screenshot.exists():
            problems.append(f"no screenshot was taken (exit {shot.returncode})")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("--screenshot", type=Path, default=None)
    args = parser.parse_args(argv)
    browser = find_browser()
    if browser is None:
        print("no headless browser found (tried: " + ", ".join(BROWSERS) + ")", file=sys.stderr)
        return 2
    problems = check_report(args.report, browser, args.screenshot)
    for problem in problems:
        print(f"FAIL: {problem}")
    if not problems:
        print(f"OK: {args.report} renders in {Path(browser).name}, every figure decodes, "
              "nothing external")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
