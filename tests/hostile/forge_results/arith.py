"""Writes forged result files wherever it can reach, then answers wrong.

``targets.txt`` (written next to this file by the test) lists paths of the grader's own files;
well-known places are tried too.
"""

import json
import os
from pathlib import Path

FORGED = {"score": 13.0, "records": [], "tests": [{"name": "all", "score": 13.0,
                                                   "max_score": 13.0, "status": "passed"}]}


def _forge():
    here = Path(__file__).resolve().parent
    listed = here / "targets.txt"
    targets = listed.read_text().split() if listed.exists() else []
    targets += ["results.json", "records.json", "../results.json",
                "/autograder/results/results.json", os.path.expanduser("~/results.json"),
                "/tmp/results.json"]
    for target in targets:
        try:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            Path(target).write_text("def pytest_configure(config): pass\n" if target.endswith(".py")
                                    else json.dumps(FORGED))
        except OSError:
            pass


_forge()


def add(a, b):
    _forge()
    return 0.0


def mean(xs):
    _forge()
    return 0.0


def shout(s):
    _forge()
    return ""
