"""The class report of a batch: ``report.html`` (self-contained) and its figures.

Figures are drawn with matplotlib (Agg, no display) as PNG and SVG under ``figures/``: the
score histogram, the pass rate of every test, and the points per exercise. The HTML embeds
the PNGs as base64, so the single file can be mailed or uploaded as it is.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from pathlib import Path
from typing import Any

from grader.atomic import atomic_write_text
from grader.reports.gradebook import Gradebook
from grader.scoring import fmt_points

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def pass_rates(book: Gradebook) -> list[tuple[str, float, int]]:
    """(test, fraction of its applicable cases passed over the class, cases) in suite order.

    From each entry's summary (per test function: passed and applicable cases). Only
    submissions the suite ran on count: an unreadable zip says nothing about a test.
    """
    passed: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for entry in book.students:
        if not entry.get("graded"):
            continue
        for test in entry.get("tests") or []:
            if test.get("cases"):
                total[test["test"]] += int(test["cases"])
                passed[test["test"]] += int(test["passed"])
    return [(name, passed[name] / total[name], total[name]) for name in total]


def _figure_files(fig: Any, folder: Path, stem: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    png = folder / f"{stem}.png"
    fig.savefig(png, dpi=110, bbox_inches="tight", metadata={"Software": None})
    fig.savefig(folder / f"{stem}.svg", bbox_inches="tight", metadata={"Date": None})
    return png


def draw_figures(out: Path, book: Gradebook,
                 rates: list[tuple[str, float, int]]) -> dict[str, Path]:
    """Write the three figures (PNG + SVG) under ``out/figures``; return their PNG paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    plt.rcParams.update({"svg.hashsalt": "gradspec", "figure.max_open_warning": 0})
    folder = out / "figures"
    students = book.students
    maximum = float(book.possible) or 1.0
    totals = np.array([float(book.score(e)) for e in students])
    made: dict[str, Path] = {}

    fig, ax = plt.subplots(figsize=(7, 3.6))
    edges = np.linspace(0.0, maximum, 11)
    ax.hist(totals, bins=edges, color="#3b6ea8", edgecolor="white")
    if len(totals):
        ax.axvline(float(np.mean(totals)), color="#c0392b", linestyle="--",
                   label=f"mean {np.mean(totals):.1f}")
        ax.legend(frameon=False)
    ax.set(xlabel=f"total points (of {fmt_points(maximum)})", ylabel="students",
           title=f"Score distribution ({len(totals)} students)", xlim=(0, maximum))
    ax.yaxis.get_major_locator().set_params(integer=True)
    made["score_histogram"] = _figure_files(fig, folder, "score_histogram")
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, max(2.0, 0.32 * len(rates) + 1.2)))
    if rates:
        labels = [name if len(name) <= 64 else name[:63] + "…" for name, _, _ in rates]
        values = [100 * rate for _, rate, _ in rates]
        ypos = np.arange(len(rates))
        colors = ["#2e8b57" if v >= 80 else "#e0a030" if v >= 50 else "#c0392b" for v in values]
        ax.barh(ypos, values, color=colors)
        ax.set_yticks(ypos, labels, fontsize=8)
        ax.invert_yaxis()
        for y, v in zip(ypos, values, strict=True):
            ax.text(min(v + 1, 92), y, f"{v:.0f}%", va="center", fontsize=7)
    else:
        ax.text(0.5, 0.5, "no graded tests", ha="center", va="center", transform=ax.transAxes)
    ax.set(xlim=(0, 100), xlabel="cases passed over the class (%)", title="Pass rate per test")
    made["pass_rate_per_test"] = _figure_files(fig, folder, "pass_rate_per_test")
    plt.close(fig)

    exercises = book.exercises
    fig, ax = plt.subplots(figsize=(max(4.5, 1.6 * len(exercises) + 2), 3.8))
    if exercises:
        data, possible = [], []
        for ex in exercises:
            got = [book.exercise_points(e, ex) or (0, 0) for e in students]
            data.append([float(earned) for earned, _ in got])
            possible.append(max((float(p) for _, p in got), default=0.0))
        positions = np.arange(1, len(exercises) + 1)
        ax.boxplot(data, positions=positions, widths=0.5, showmeans=True, showfliers=False)
        for pos, points in zip(positions, data, strict=True):
            jitter = np.linspace(-0.15, 0.15, len(points)) if len(points) > 1 else [0.0]
            ax.scatter(pos + np.asarray(jitter), points, s=14, alpha=0.6, color="#3b6ea8",
                       zorder=3)
        ax.scatter(positions, possible, marker="_", s=400, color="#2e8b57", zorder=4,
                   label="points possible")
        ax.set_xticks(positions, exercises)
        ax.legend(frameon=False, loc="lower right")
    ax.set(ylabel="points", title="Points per exercise")
    ax.set_ylim(bottom=0)
    made["points_per_exercise"] = _figure_files(fig, folder, "points_per_exercise")
    plt.close(fig)
    return made


def summary_stats(book: Gradebook) -> dict[str, str]:
    """Mean, median, min and max of the totals, as text."""
    totals = sorted(book.score(e) for e in book.students)
    if not totals:
        return {}
    mid = len(totals) // 2
    median = totals[mid] if len(totals) % 2 else (totals[mid - 1] + totals[mid]) / 2
    return {"students": str(len(totals)), "mean": fmt_points(sum(totals) / len(totals)),
            "median": fmt_points(median), "min": fmt_points(totals[0]),
            "max": fmt_points(totals[-1]), "possible": fmt_points(book.possible)}


def render_html(book: Gradebook, figures: dict[str, Path],
                rates: list[tuple[str, float, int]]) -> str:
    """The report page: figures inlined as base64 PNG, every student's row, status counts."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(
        default=True, default_for_string=True), keep_trailing_newline=True)
    exercises = book.exercises
    statuses: dict[str, int] = defaultdict(int)
    for entry in book.entries:
        statuses[str(entry.get("status"))] += 1
    rows = []
    for entry in book.entries:
        got = [book.exercise_points(entry, ex) for ex in exercises]
        rows.append({
            "id": entry["student_id"],
            "points": [fmt_points(g[0]) if g is not None else "–" for g in got],
            "total": fmt_points(book.score(entry)),
            "status": str(entry.get("status")),
            "ok": entry.get("status") == "ok",  # graded with no exercise left untested
            "feedback": f"{entry['out_dir']}/feedback.html" if entry.get("out_dir") else "",
            "message": str(entry.get("message") or "")[:300],
        })
    images = {name: base64.b64encode(path.read_bytes()).decode("ascii")
              for name, path in figures.items()}
    return env.get_template("class_report.html.j2").render(
        stats=summary_stats(book), statuses=sorted(statuses.items()), rows=rows,
        exercises=exercises, images=images, possible=fmt_points(book.possible),
        rates=[(name, f"{100 * rate:.0f}", n) for name, rate, n in rates])


def write(book: Gradebook, out: Path) -> Path:
    """Draw the figures and write ``out/report.html``; return its path."""
    out = Path(out)
    rates = pass_rates(book)
    figures = draw_figures(out, book, rates)
    path = out / "report.html"
    atomic_write_text(path, render_html(book, figures, rates))
    return path
