"""gradspec's pytest plugin: the implementation under test, points, and the score summary.

Registered through the ``pytest11`` entry point, so any pytest run in an environment with
gradspec installed gets it. It knows nothing about the exercises: it grades any suite whose
tests carry ``@pytest.mark.points(n)``; the exercise is the test module's name without
``test_`` (or ``@pytest.mark.exercise("name")``).

Precedence of every knob: command line > environment variable > ini file > default.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from grader import scoring
from grader.atomic import atomic_write_text
from grader.subject import LocalSubject, ProbeFailure, Subject

RECORD_KEY = "gradspec"
_subject_key = pytest.StashKey[Subject]()
_keeper_key = pytest.StashKey["ScoreKeeper"]()
_impl_key = pytest.StashKey[tuple[str, str]]()

MAX_MESSAGE_CHARS = 8000


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gradspec", "gradspec grading")
    group.addoption("--impl", default=None,
                    help="implementation under test: a folder or .zip of modules, or the name of "
                         "a folder under the rootdir (env GRADSPEC_IMPL, ini gradspec_impl)")
    group.addoption("--isolated", action="store_true", default=None,
                    help="run the implementation only in sandbox child processes "
                         "(env GRADSPEC_ISOLATED=1)")
    group.addoption("--grading-seed", default=None,
                    help="seed of the hidden tests' inputs (env GRADSPEC_SEED)")
    group.addoption("--probe-timeout", type=float, default=None,
                    help="isolated mode: wall-clock seconds one probe call may take "
                         "(env GRADSPEC_PROBE_TIMEOUT, ini gradspec_probe_timeout; default 30)")
    group.addoption("--gradspec-results", default=None, metavar="PATH",
                    help="write every test's record (points, status, message) as JSON")
    parser.addini("gradspec_impl", "default implementation under test", default=None)
    parser.addini("gradspec_probes", "folder of the probe modules", default="spec_tests/probes")
    parser.addini("gradspec_categories", "markers that are test categories", type="args",
                  default=[])
    parser.addini("gradspec_probe_timeout", "see --probe-timeout", default="30")


def _setting(config: pytest.Config, option: str, env: str, ini: str | None,
             default: Any) -> tuple[Any, str]:
    value = config.getoption(option)
    if value is not None:
        return value, "command line"
    if os.environ.get(env):
        return os.environ[env], f"environment {env}"
    if ini is not None and config.getini(ini):
        return config.getini(ini), f"ini {ini}"
    return default, "default"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): points of this test, shared by its cases")
    config.addinivalue_line("markers", "exercise(name): the exercise a test belongs to")
    config.addinivalue_line("markers", "hidden: a test students do not get")
    keeper = ScoreKeeper(config)
    config.stash[_keeper_key] = keeper
    config.pluginmanager.register(keeper, "gradspec-scorekeeper")
    impl, source = _setting(config, "--impl", "GRADSPEC_IMPL", "gradspec_impl", "reference")
    config.stash[_impl_key] = (str(impl), source)


def resolve_impl(config: pytest.Config, impl: str) -> Path:
    """A folder, a .zip (extracted), or a folder named under the rootdir."""
    for base in (Path.cwd(), config.rootpath):
        candidate = (base / impl).resolve()
        if candidate.exists():
            break
    else:
        raise pytest.UsageError(f"--impl {impl!r}: no such folder or .zip "
                                f"(looked in {Path.cwd()} and {config.rootpath})")
    if candidate.is_file():
        from grader.submission import prepare_submission

        prepared = prepare_submission(candidate)
        if prepared.status != "ok":
            raise pytest.UsageError(f"--impl {impl!r}: {prepared.message}")
        return prepared.path
    return candidate


def _isolated(config: pytest.Config) -> bool:
    flag, _ = _setting(config, "--isolated", "GRADSPEC_ISOLATED", None, False)
    return flag is True or str(flag).lower() in ("1", "true", "yes")


def probe_timeout(config: pytest.Config) -> float:
    value, _ = _setting(config, "--probe-timeout", "GRADSPEC_PROBE_TIMEOUT",
                        "gradspec_probe_timeout", 30.0)
    return float(value)


def pytest_report_header(config: pytest.Config) -> list[str]:
    impl, source = config.stash[_impl_key]
    mode = "isolated (sandbox)" if _isolated(config) else "local (in-process)"
    seed, seed_source = _setting(config, "--grading-seed", "GRADSPEC_SEED", None, None)
    lines = [f"gradspec: implementation under test = {impl}  [from {source}], mode {mode}"]
    if seed is not None:
        lines.append(f"gradspec: grading seed set [from {seed_source}]")
    if _isolated(config):
        from grader.sandbox import expected_protections

        lines.append("gradspec: sandbox protections: " + "; ".join(expected_protections()))
    return lines


def get_subject(config: pytest.Config) -> Subject:
    """The session's implementation under test, made on first use."""
    if _subject_key not in config.stash:
        impl, _ = config.stash[_impl_key]
        impl_dir = resolve_impl(config, impl)
        probes_dir = (config.rootpath / str(config.getini("gradspec_probes"))).resolve()
        if _isolated(config):
            from grader.sandbox import IsolatedSubject

            made: Subject = IsolatedSubject(impl_dir, probes_dir, label=impl,
                                            default_timeout=probe_timeout(config))
        else:
            made = LocalSubject(impl_dir, probes_dir, label=impl)
        config.stash[_subject_key] = made
        config.add_cleanup(made.close)
    return config.stash[_subject_key]


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """In isolated mode, start the sandbox child now: it imports torch while pytest collects."""
    if _isolated(session.config) and not hasattr(session.config, "workerinput"):
        get_subject(session.config)


@pytest.fixture(scope="session")
def subject(request: pytest.FixtureRequest) -> Subject:
    """The implementation under test; tests reach it only through probes."""
    return get_subject(request.config)


@pytest.fixture(scope="session")
def grading_seed(request: pytest.FixtureRequest) -> int:
    """Seed of the hidden tests' inputs: given at grading time, never seen by students."""
    seed, _ = _setting(request.config, "--grading-seed", "GRADSPEC_SEED", None, 0)
    return int(seed)


_PARAMS = re.compile(r"\[.*\]$")


def _exercise(item: pytest.Item) -> str:
    marker = item.get_closest_marker("exercise")
    if marker and marker.args:
        return str(marker.args[0])
    stem = Path(str(item.fspath)).stem
    return stem.removeprefix("test_").removesuffix("_hidden")


def _summary_line(function: Any) -> str:
    """A test docstring's first paragraph on one line: what the test checks, in words."""
    doc = (getattr(function, "__doc__", None) or "").strip()
    return " ".join(doc.split("\n\n")[0].split())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    categories = set(config.getini("gradspec_categories"))
    for item in items:
        marker = item.get_closest_marker("points")
        if marker is None:
            continue
        hidden = item.get_closest_marker("hidden") is not None or "hidden" in item.nodeid.split("/")
        info = {
            "group": _PARAMS.sub("", item.nodeid),
            "exercise": _exercise(item),
            "points": float(marker.args[0]),
            "hidden": hidden,
            "tags": sorted(m.name for m in item.iter_markers() if m.name in categories),
            "doc": _summary_line(getattr(item, "obj", None)),
        }
        item.user_properties.append((RECORD_KEY, info))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    if call.excinfo is not None and isinstance(call.excinfo.value, ProbeFailure):
        report.user_properties.append(("gradspec_status", call.excinfo.value.status))
    elif call.excinfo is not None and "from pytest-timeout" in str(call.excinfo.value)[:200]:
        report.user_properties.append(("gradspec_status", "timeout"))
    return report


def _status(outcome: str, props: dict[str, Any]) -> str:
    if outcome == "passed":
        return "passed"
    if outcome == "skipped":
        return "skipped"
    return str(props.get("gradspec_status", "failed"))


class ScoreKeeper:
    """Collects one record per graded test from the reports (on the xdist controller too)."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self.records: dict[str, dict[str, Any]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        info = props.get(RECORD_KEY)
        if info is None:
            return
        rec = self.records.get(report.nodeid)
        if rec is None:
            rec = dict(info, nodeid=report.nodeid, name=report.nodeid.split("::", 1)[-1],
                       outcome="passed", status="passed", message="", duration=0.0)
            self.records[report.nodeid] = rec
        rec["duration"] += float(getattr(report, "duration", 0.0))
        if report.when == "call" or report.outcome != "passed":
            if report.outcome == "skipped":
                rec["outcome"] = "skipped"
                longrepr = report.longrepr
                rec["message"] = str(longrepr[2]) if isinstance(longrepr, tuple) else str(longrepr)
            elif report.outcome == "failed":
                if rec["outcome"] != "failed":
                    rec["message"] = _failure_text(report)
                rec["outcome"] = "failed"
            rec["status"] = _status(rec["outcome"], props)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        config = self.config
        path = config.getoption("--gradspec-results")
        if hasattr(config, "workerinput") or not path:
            return
        impl, source = config.stash[_impl_key]
        payload = {
            "impl": impl,
            "impl_source": source,
            "mode": "isolated" if _isolated(config) else "local",
            "exitstatus": int(exitstatus),
            "records": collected_records(config),
        }
        atomic_write_text(Path(path), json.dumps(payload, indent=1))


def _failure_text(report: pytest.TestReport) -> str:
    text = report.longreprtext
    if report.when != "call":
        text = f"error in test {report.when}: {text}"
    return text[-MAX_MESSAGE_CHARS:]


def collected_records(config: pytest.Config) -> list[dict[str, Any]]:
    """Every graded test's record, in report order, points assigned."""
    records = list(config.stash[_keeper_key].records.values())
    scoring.assign_points(records)
    return records


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return
    records = collected_records(config)
    if not records:
        return
    score = scoring.summarise(records)
    tr = terminalreporter
    tr.write_sep("=", "gradspec score")
    fp = scoring.fmt_points
    width = max(len(n) for n in score.exercises) + 2
    for ex in score.exercises.values():
        line = (f"{ex.name:<{width}} {fp(ex.earned):>6} / {fp(ex.possible):<6} "
                f"({ex.passed} passed, {ex.failed} failed")
        line += f", {ex.skipped} skipped)" if ex.skipped else ")"
        tr.write_line(line, green=ex.earned == ex.possible, red=ex.earned < ex.possible)
    skips: dict[str, int] = {}
    for rec in records:
        if rec["outcome"] == "skipped":
            reason = rec["message"].removeprefix("Skipped: ")
            skips[reason] = skips.get(reason, 0) + 1
    for reason, count in sorted(skips.items()):
        tr.write_line(f"  not applicable here ({count} cases, no points lost): {reason}")
    failed_status: dict[str, int] = {}
    for rec in records:
        if rec["outcome"] == "failed" and rec["status"] != "failed":
            failed_status[rec["status"]] = failed_status.get(rec["status"], 0) + 1
    for status, count in sorted(failed_status.items()):
        tr.write_line(f"  {count} failed with status: {status}")
    kind = "points" if score.hidden.possible else "public points"
    tr.write_line(f"Score: {fp(score.earned)} / {fp(score.possible)} {kind}", bold=True)
    if score.hidden.possible:
        tr.write_line(f"  of which hidden tests: {fp(score.hidden.earned)} / "
                      f"{fp(score.hidden.possible)}")
    else:
        tr.write_line("  hidden tests are not included: the grader runs more tests than these")
