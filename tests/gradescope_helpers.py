"""Gradescope for the harness's own tests: results.json held to the specification, and
``grader gradescope`` run on a folder laid out as Gradescope lays out /autograder."""

from __future__ import annotations

import math
import re
import zipfile
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from grader.reports.run.gradescope import (
    LEADERBOARD_ORDERS,
    OUTPUT_FORMATS,
    STATUSES,
    VISIBILITIES,
)

# Gradescope autograder specification, "Output format": the keys a results.json may hold.
TOP_LEVEL_KEYS = {"score", "execution_time", "output", "output_format", "test_output_format",
                  "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests",
                  "leaderboard"}
TEST_KEYS = {"score", "max_score", "status", "name", "name_format", "number", "output",
             "output_format", "tags", "visibility", "extra_data"}


def check_gradescope_schema(doc: dict[str, Any]) -> None:
    """Every key, type and enumerated value as the specification gives them."""
    assert set(doc) <= TOP_LEVEL_KEYS, set(doc) - TOP_LEVEL_KEYS
    assert isinstance(doc["score"], int | float) and math.isfinite(doc["score"])
    assert isinstance(doc["execution_time"], int | float) and doc["execution_time"] >= 0
    assert isinstance(doc["output"], str)
    for key in ("output_format", "test_output_format"):
        assert doc.get(key, "text") in OUTPUT_FORMATS
    assert doc["visibility"] in VISIBILITIES
    assert doc["stdout_visibility"] in VISIBILITIES
    assert isinstance(doc.get("extra_data", {}), dict)
    assert isinstance(doc["tests"], list)
    numbers = []
    for test in doc["tests"]:
        assert set(test) <= TEST_KEYS, set(test) - TEST_KEYS
        informational = (test.get("extra_data") or {}).get("informational")
        scored = () if informational else ("score", "max_score", "status")
        for key in ("name", "number", "output", "tags", "visibility", "output_format", *scored):
            assert key in test, key
        if informational:  # a score-less row: no points either way
            assert not {"score", "max_score", "status"} & set(test)
        assert isinstance(test["name"], str) and test["name"]
        assert re.fullmatch(r"\d+\.\d+", test["number"]), test["number"]
        numbers.append(test["number"])
        if scored:
            assert isinstance(test["score"], int | float)
            assert isinstance(test["max_score"], int | float)
            assert 0 <= test["score"] <= test["max_score"]
            assert test["status"] in STATUSES
            assert (test["status"] == "passed") == (test["score"] == test["max_score"] > 0) or \
                test["max_score"] == 0
        assert test["visibility"] in VISIBILITIES
        assert test["output_format"] in OUTPUT_FORMATS
        assert isinstance(test["tags"], list) and all(isinstance(t, str) for t in test["tags"])
        assert isinstance(test["output"], str)
    assert len(numbers) == len(set(numbers)), "test numbers must be unique"
    for entry in doc.get("leaderboard", []):
        assert set(entry) <= {"name", "value", "order"} and isinstance(entry["name"], str)
        assert isinstance(entry["value"], int | float | str)
        assert entry.get("order", "desc") in LEADERBOARD_ORDERS
    rows = sum(t.get("score", 0) for t in doc["tests"])
    late = doc["extra_data"].get("late")
    assert doc["extra_data"]["raw_score"] == pytest.approx(rows, abs=1e-9)
    kept = float(Fraction(late["kept"])) if late else 1.0
    assert doc["score"] == pytest.approx(rows * kept, abs=1e-4)



def gradescope_root(tmp_path: Path, suite: Path, submission_files: dict[str, str],
                    as_zip: bool = False) -> Path:
    root = tmp_path / "autograder"
    sub = root / "submission"
    sub.mkdir(parents=True)
    if as_zip:
        staged = tmp_path / "staged"
        staged.mkdir()
        with zipfile.ZipFile(sub / "upload.zip", "w") as zf:
            for name, text in submission_files.items():
                (staged / name).write_text(text)
                zf.write(staged / name, name)
    else:
        for name, text in submission_files.items():
            (sub / name).write_text(text)
    return root


def run_gradescope(root: Path, suite: Path, *extra: str) -> int:
    """``grader gradescope`` as run_autograder calls it, in this process."""
    from grader import autograder
    from grader.cli import build_parser

    args = build_parser().parse_args(["gradescope", "--root", str(root), "--suite", str(suite),
                                      "--probe-timeout", "20", "--total-timeout", "300",
                                      *extra])
    return autograder.main(args)
