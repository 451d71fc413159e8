"""Turns per-test records into points: partial credit, skips, per-exercise totals.

A test function's points (``@pytest.mark.points(n)``) are shared equally by its parametrized
cases. Cases skipped here (an absent GPU) are not applicable: they neither earn nor cost
points, so full marks are reachable on a CPU-only machine.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ExerciseScore:
    name: str
    earned: float = 0.0
    possible: float = 0.0
    passed: int = 0
    failed: int = 0
    skipped: int = 0


@dataclass
class Score:
    exercises: dict[str, ExerciseScore] = field(default_factory=dict)
    hidden: ExerciseScore = field(default_factory=lambda: ExerciseScore("hidden"))

    @property
    def earned(self) -> float:
        return round(sum(e.earned for e in self.exercises.values()), 6)

    @property
    def possible(self) -> float:
        return round(sum(e.possible for e in self.exercises.values()), 6)


def assign_points(records: list[dict[str, Any]]) -> None:
    """Set ``max_score`` and ``score`` on every record (in place)."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rec in records:
        groups[rec["group"]].append(rec)
    for cases in groups.values():
        points = float(cases[0].get("points") or 0.0)
        applicable = [c for c in cases if c["outcome"] != "skipped"]
        share = points / len(applicable) if applicable else 0.0
        for case in cases:
            case["max_score"] = share if case["outcome"] != "skipped" else 0.0
            case["score"] = share if case["outcome"] == "passed" else 0.0


def summarise(records: list[dict[str, Any]]) -> Score:
    """Per-exercise totals; hidden tests are totalled inside their exercise and apart."""
    assign_points(records)
    score = Score()
    for rec in records:
        if not rec.get("points"):
            continue
        ex = score.exercises.setdefault(rec["exercise"], ExerciseScore(rec["exercise"]))
        targets = [ex, score.hidden] if rec.get("hidden") else [ex]
        for target in targets:
            target.earned += rec["score"]
            target.possible += rec["max_score"]
            if rec["outcome"] == "passed":
                target.passed += 1
            elif rec["outcome"] == "skipped":
                target.skipped += 1
            else:
                target.failed += 1
    for ex in [*score.exercises.values(), score.hidden]:  # shares like 1/3 add up to 0.999...
        ex.earned, ex.possible = round(ex.earned, 6), round(ex.possible, 6)
    return score


def fmt_points(value: float) -> str:
    """``37.5``, ``60``, ``2.33`` — points as a person writes them."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"
