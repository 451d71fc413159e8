"""Planted as ``conftest.py`` in a submission: turns every test into a pass and leaves a
marker, if the grader's pytest ever loads it (it is stored under this name so that the
harness's own test run never does)."""

import os
from pathlib import Path

import pytest

if os.environ.get("PLANTED_MARKER"):
    Path(os.environ["PLANTED_MARKER"]).write_text("conftest.py ran")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    report.outcome = "passed"
    return report
