"""gradspec's pytest plugin: the implementation under test, points, and the score summary.

Registered through the ``pytest11`` entry point, so any pytest run in an environment with
gradspec installed gets it. It knows nothing about the exercises: it grades any suite whose
tests carry ``@pytest.mark.points(n)``; the exercise is the test module's name without
``test_`` (or ``@pytest.mark.exercise("name")``).

One concern per hook: options and ini keys in ``pytest_addoption`` (from
:mod:`grader.settings`, so every knob has one precedence: command line > environment > ini
> default), settings resolved once in ``pytest_configure``, each test's points and
exercise (and the deselection of the exercises the chosen assignment leaves out) in
``pytest_collection_modifyitems``, its record (outcome, failure kind, the
failure's own message and where it failed) in ``pytest_runtest_makereport``, the records
file after collection and whenever a case finishes (:mod:`grader.records_file`: a run killed
part way leaves every finished case) and the score (a :class:`grader.result.RunResult`) in
``pytest_terminal_summary``. Records travel in ``report.user_properties``, so pytest-xdist
workers send them to the controller, which alone writes files.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from grader import result as grade
from grader import scoring, settings
from grader.assignment import Assignment, choose
from grader.intake.api import suite_api
from grader.intake.notebook import SUFFIX as NOTEBOOK_SUFFIX
from grader.intake.notebook import build_exercise_modules
from grader.intake.submission import prepare_submission
from grader.leaderboard import PROPERTY as LEADERBOARD_KEY
from grader.leaderboard import Leaderboard, LeaderboardEntry
from grader.outcome import FailureKind, TestOutcome
from grader.records_file import RecordsFile, planned_record
from grader.reports.run import classroom
from grader.reports.text import printable
from grader.result import TestRecord
from grader.sandbox import (
    IsolatedSubject,
    Zygote,
    attach_or_start,
    expected_protections,
    process_zygote,
)
from grader.subject import LocalSubject, ProbeFailure, Subject, UnknownProbe

RECORD_KEY = "gradspec_record"
MAX_MESSAGE_CHARS = 8000
_settings_key = pytest.StashKey["PluginSettings"]()
_subject_key = pytest.StashKey[Subject]()
_keeper_key = pytest.StashKey["ScoreKeeper"]()
_base_key = pytest.StashKey[dict[str, Any]]()
_notes_key = pytest.StashKey[list[str]]()
_impl_dir_key = pytest.StashKey[Path]()
_absent_key = pytest.StashKey[frozenset[str]]()

#: The knobs this plugin reads, with their command-line flags.
_OPTIONS = ((settings.IMPL, "--impl"), (settings.SEED, "--grading-seed"),
            (settings.PROBE_TIMEOUT, "--probe-timeout"), (settings.ASSIGNMENT, "--assignment"))
_INI = (settings.IMPL, settings.SEED, settings.PROBE_TIMEOUT, settings.PROBES,
        settings.CATEGORIES, settings.LEADERBOARD, settings.ASSIGNMENT,
        settings.ASSIGNMENTS)
#: The ini keys that hold a list: words (categories) or lines (assignments).
_INI_TYPES = {settings.CATEGORIES.ini: "args", settings.ASSIGNMENTS.ini: "linelist"}


@dataclass(frozen=True)
class PluginSettings:
    """Every knob of a pytest run, resolved once (with where each value came from)."""

    impl: settings.Setting
    isolated: settings.Setting
    seed: settings.Setting
    probe_timeout: settings.Setting
    probes: settings.Setting
    categories: settings.Setting
    leaderboard: settings.Setting
    assignment_name: settings.Setting
    assignment: Assignment


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gradspec", "gradspec grading")
    for knob, flag in _OPTIONS:
        group.addoption(flag, dest=f"gradspec_{knob.name}", default=None,
                        help=knob.describe())
    group.addoption("--isolated", dest="gradspec_isolated", action="store_true", default=None,
                    help=settings.ISOLATED.describe())
    group.addoption("--leaderboard", dest="gradspec_leaderboard", action="store_true",
                    default=None, help=settings.LEADERBOARD.describe())
    group.addoption("--gradspec-results", default=None, metavar="PATH",
                    help="write every graded test's record (outcome, failure kind, message) "
                         "as JSON lines, a line added as each test finishes")
    group.addoption("--gradspec-classroom", default=None, metavar="PATH",
                    help="append GitHub Classroom's result=<base64 JSON> (one entry per "
                         "graded test function) to PATH, the step's $GITHUB_OUTPUT; write it "
                         "--gradspec-classroom=PATH, else pytest takes PATH's folder for "
                         "the rootdir")
    for knob in _INI:
        kind = _INI_TYPES.get(knob.ini, "string")
        parser.addini(knob.ini, knob.help, type=kind, default="" if kind == "string" else [])


def _resolve(config: pytest.Config, early: Any = None) -> PluginSettings:
    """The plugin's settings; ``early``: the command line as pytest knows it before its
    options are final (``config.known_args_namespace``), for a start before the conftests."""
    ini = {knob.ini: config.getini(knob.ini) for knob in _INI}

    def cli(knob: settings.Knob) -> Any:
        dest = f"gradspec_{knob.name}"
        return getattr(early, dest, None) if early is not None else config.getoption(dest,
                                                                                    None)

    def get(knob: settings.Knob) -> settings.Setting:
        try:
            return settings.resolve(knob, cli=cli(knob), ini=ini)
        except settings.SettingError as exc:
            raise pytest.UsageError(f"gradspec: {exc}") from None

    name = get(settings.ASSIGNMENT)
    try:
        assignment = choose(name, get(settings.ASSIGNMENTS))
    except settings.SettingError as exc:
        raise pytest.UsageError(f"gradspec: {exc}") from None
    return PluginSettings(get(settings.IMPL), get(settings.ISOLATED), get(settings.SEED),
                          get(settings.PROBE_TIMEOUT), get(settings.PROBES),
                          get(settings.CATEGORIES), get(settings.LEADERBOARD), name,
                          assignment)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): points of this test, shared by its cases")
    config.addinivalue_line("markers", "exercise(name): the exercise a test belongs to")
    config.addinivalue_line("markers", "hidden: a test students do not get")
    config.stash[_settings_key] = _resolve(config)
    keeper = ScoreKeeper(config)
    config.stash[_keeper_key] = keeper
    config.pluginmanager.register(keeper, "gradspec-scorekeeper")
    output = config.getoption("--gradspec-classroom")
    if output and not hasattr(config, "workerinput"):
        config.pluginmanager.register(ClassroomOutput(Path(output)), "gradspec-classroom")


def plugin_settings(config: pytest.Config) -> PluginSettings:
    return config.stash[_settings_key]


def resolve_impl(config: pytest.Config, impl: str) -> Path:
    """A folder, a .zip (extracted) or a notebook, or a folder named under the rootdir; the
    exercise modules of its notebooks are built into a copy (notes in the score summary)."""
    for base in (Path.cwd(), config.rootpath):
        candidate = (base / impl).resolve()
        if candidate.exists():
            break
    else:
        raise pytest.UsageError(f"--impl {impl!r}: no such folder, .zip or notebook "
                                f"(looked in {Path.cwd()} and {config.rootpath})")
    s = config.stash.get(_settings_key, None) or _resolve(config, config.known_args_namespace)
    api = suite_api(config.rootpath, config.rootpath / str(s.probes.value))
    if candidate.is_file():
        prepared = prepare_submission(candidate, api=api)
        config.stash[_notes_key] = prepared.notes
        if not prepared.status.gradable:
            raise pytest.UsageError(f"--impl {impl!r}: {prepared.message}")
        return prepared.path
    if not any(p.suffix.lower() == NOTEBOOK_SUFFIX for p in candidate.iterdir()):
        return candidate
    # the folder's own files (not its subfolders: a virtual environment, the suite) and the
    # modules its notebooks provide, in a copy: the student's folder is never written to
    copy = Path(tempfile.mkdtemp(prefix="gradspec-impl-"))
    config.add_cleanup(lambda: shutil.rmtree(copy, ignore_errors=True))
    for path in candidate.iterdir():
        if path.is_file() and not path.is_symlink():
            shutil.copyfile(path, copy / path.name)
    intake = build_exercise_modules(copy, api)
    config.stash[_notes_key] = intake.notes
    if not intake.status.gradable:
        raise pytest.UsageError(f"--impl {impl!r}: {intake.message}")
    return copy


def pytest_report_header(config: pytest.Config) -> list[str]:
    s = plugin_settings(config)
    mode = "isolated (sandbox)" if s.isolated.value else "local (in-process)"
    lines = [f"gradspec: implementation under test = {s.impl.value}  [from {s.impl.where}], "
             f"mode {mode}"]
    if s.seed.source is not settings.Source.DEFAULT:
        lines.append(f"gradspec: grading seed set [from {s.seed.where}]")
    if s.assignment.exercises is not None:
        lines.append(f"gradspec: assignment = {s.assignment.describe()}  "
                     f"[from {s.assignment_name.where}]")
    if s.isolated.value:
        lines.append("gradspec: sandbox protections: " + "; ".join(expected_protections()))
    return lines


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    """In isolated mode, start the sandbox child before the suite's conftest imports torch:
    the child's imports and the suite's then run side by side instead of one after the
    other. Anything unusual (a bad setting, an impl to unpack) waits for the usual start."""
    namespace = early_config.known_args_namespace
    if (not _starts_sandbox_ahead(namespace, bool(os.environ.get("PYTEST_XDIST_WORKER")))
            or getattr(namespace, "help", False) or getattr(namespace, "version", False)):
        return
    try:
        s = _resolve(early_config, namespace)
    except pytest.UsageError:
        return  # said once, when pytest_configure resolves the settings
    if s.isolated.value and Path(str(s.impl.value)).is_dir():
        try:
            get_subject(early_config, s)
        except pytest.UsageError:
            return


def impl_folder(config: pytest.Config, early: PluginSettings | None = None) -> Path:
    """The folder of the implementation under test (:func:`resolve_impl`), resolved once."""
    if _impl_dir_key not in config.stash:
        s = early or plugin_settings(config)
        config.stash[_impl_dir_key] = resolve_impl(config, str(s.impl.value))
    return config.stash[_impl_dir_key]


def _probes_dir(config: pytest.Config, s: PluginSettings) -> Path:
    return (config.rootpath / str(s.probes.value)).resolve()


def absent_exercises(config: pytest.Config) -> frozenset[str]:
    """In local mode, the exercises the implementation's folder has no module for (an
    exercise's module is the probe module of its name), when it has another exercise's:
    a student's repository is scored on what it contains. Isolated grading counts them all
    (a missing module costs its exercise), and so does a folder with none of the modules
    (a wrong ``--impl`` should fail loudly, not score nothing out of nothing)."""
    if _absent_key not in config.stash:
        s = plugin_settings(config)
        absent: frozenset[str] = frozenset()
        if not s.isolated.value:
            impl_dir = impl_folder(config)
            modules = {p.stem for p in _probes_dir(config, s).glob("*.py")
                       if not p.name.startswith("_")}
            present = {m for m in modules if (impl_dir / f"{m}.py").is_file()
                       or (impl_dir / m / "__init__.py").is_file()}
            if present:
                absent = frozenset(modules - present)
        config.stash[_absent_key] = absent
    return config.stash[_absent_key]


def get_subject(config: pytest.Config, early: PluginSettings | None = None) -> Subject:
    """The session's implementation under test, made on first use."""
    if _subject_key not in config.stash:
        s = early or plugin_settings(config)
        impl = str(s.impl.value)
        impl_dir = impl_folder(config, s)
        probes_dir = _probes_dir(config, s)
        if s.isolated.value:
            made: Subject = IsolatedSubject(impl_dir, probes_dir, label=impl,
                                            default_timeout=float(s.probe_timeout.value),
                                            zygote=_session_zygote(config))
        else:
            made = LocalSubject(impl_dir, probes_dir, label=impl)
        config.stash[_subject_key] = made
        config.add_cleanup(made.close)
    return config.stash[_subject_key]


def _session_zygote(config: pytest.Config) -> Zygote | None:
    """The zygote this session's sandbox children are forked from: the process's (a batch
    worker's, inherited by its forked pytest runs), else one started for the session, so
    that a child killed at a deadline is replaced in a fraction of a second instead of
    importing torch again (None: fresh children, e.g. on a CUDA machine or with
    ``GRADSPEC_ZYGOTE=0``). ``GRADSPEC_ZYGOTE_DIR`` names one already started for this run
    (by ``grader run``, before it read the submission)."""
    zygote = process_zygote()
    if zygote is not None or not settings.resolve(settings.ZYGOTE).value:
        return zygote
    zygote, refused = attach_or_start(settings.resolve(settings.ZYGOTE_DIR).value)
    if refused is not None:  # the run goes on with a zygote of its own
        warnings.warn(f"gradspec: {refused}; starting a zygote for this run", stacklevel=1)
    if zygote is not None:
        config.add_cleanup(zygote.close)  # after the subject's own; nothing for an attached one
    return zygote


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """In isolated mode, start the sandbox now (if the conftests did not come first): it
    imports torch while pytest collects. Not in an xdist controller, which runs no test."""
    config = session.config
    if (plugin_settings(config).isolated.value
            and _starts_sandbox_ahead(config.option, hasattr(config, "workerinput"))):
        get_subject(config)


def _starts_sandbox_ahead(options: object, xdist_worker: bool) -> bool:
    """Whether this process starts its sandbox before the first test asks for it, given
    pytest's option namespace: not an xdist controller (``-n``: it runs no test) and not an
    xdist worker (it starts its own at its first test, not while the controller waits)."""
    return not xdist_worker and not getattr(options, "numprocesses", None)


@pytest.fixture(scope="session")
def subject(request: pytest.FixtureRequest) -> Subject:
    """The implementation under test; tests reach it only through probes."""
    return get_subject(request.config)


@pytest.fixture
def leaderboard(request: pytest.FixtureRequest) -> Leaderboard:
    """Records this test's leaderboard values; the test is skipped unless the assignment turns
    the leaderboard on (``--leaderboard``, ``GRADSPEC_LEADERBOARD``, ini
    ``gradspec_leaderboard``)."""
    if not plugin_settings(request.config).leaderboard.value:
        pytest.skip("the leaderboard is off for this assignment")
    return Leaderboard(request.node)


@pytest.fixture(scope="session")
def grading_seed(request: pytest.FixtureRequest) -> int:
    """Seed of the hidden tests' inputs: given at grading time, never seen by students."""
    return int(plugin_settings(request.config).seed.value)


def _summary_line(function: Any) -> str:
    """A test docstring's first paragraph on one line: what the test checks, in words."""
    doc = (getattr(function, "__doc__", None) or "").strip()
    return " ".join(doc.split("\n\n")[0].split())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each graded test's points, exercise and case; the assignment's other exercises are
    deselected (as ``-k`` deselects), so that a student's pytest and the grader agree, and so
    are, in local mode, the exercises the implementation has no module for; the hidden tests
    run after every public one."""
    s = plugin_settings(config)
    categories = set(s.categories.value)
    absent = absent_exercises(config)
    kept, deselected = [], []
    for item in items:
        marker = item.get_closest_marker("points")
        if marker is None:
            kept.append(item)
            continue
        exercise = item.get_closest_marker("exercise")
        path = item.path
        try:
            rel = path.relative_to(config.rootpath).as_posix()
        except ValueError:
            rel = path.as_posix()
        function = getattr(item, "originalname", None) or item.name
        item.stash[_base_key] = {
            "function": function,
            "path": rel,
            "exercise": str(exercise.args[0]) if exercise and exercise.args
            else path.stem.removeprefix("test_"),
            "case": item.callspec.id if hasattr(item, "callspec") else "",
            "title": _summary_line(getattr(item, "obj", None)) or function,
            "categories": sorted(m.name for m in item.iter_markers() if m.name in categories),
            "hidden": item.get_closest_marker("hidden") is not None or "hidden" in path.parts,
            "points": str(scoring.points(marker.args[0])),
            "line": item.location[1] + 1 if item.location[1] is not None else 0,
        }
        name = item.stash[_base_key]["exercise"]
        (kept if s.assignment.includes(name) and name not in absent else
         deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
    # Hidden tests last: a sandbox child serves every test of a run and can keep the inputs
    # it was called with; no public test, whose message a student sees, may come after one.
    items[:] = sorted(kept, key=lambda item: item.stash.get(_base_key, {}).get("hidden", False))


def _where(item: pytest.Item, excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    """``path:line`` of the test's own line that led to the failure."""
    for entry in reversed(excinfo.traceback):
        if Path(str(entry.path)) == item.path:
            try:
                rel = item.path.relative_to(item.config.rootpath).as_posix()
            except ValueError:
                rel = item.path.as_posix()
            return f"{rel}:{entry.lineno + 1}"
    return ""


def _cap(text: str) -> str:
    """``text`` fit for every report: control characters escaped, cut to a length."""
    text = printable(text)
    if len(text) <= MAX_MESSAGE_CHARS:
        return text
    return text[:MAX_MESSAGE_CHARS] + f"\n[... {len(text) - MAX_MESSAGE_CHARS} more characters]"


def _failure(item: pytest.Item, when: str,
             excinfo: pytest.ExceptionInfo[BaseException]) -> tuple[FailureKind, str]:
    """The kind and the message of a failed phase, from the exception itself."""
    exc = excinfo.value
    if when != "call":
        return FailureKind.SETUP_ERROR, f"error in test {when}: {excinfo.exconly()}"
    if isinstance(exc, ProbeFailure):
        return exc.kind, str(exc)
    if isinstance(exc, UnknownProbe):
        return FailureKind.TEST_ERROR, f"the suite calls an unknown probe: {exc}"
    text = str(exc)
    if "from pytest-timeout" in text[:200]:
        limit = item.get_closest_marker("timeout")
        seconds = f" of {limit.args[0]} s" if limit and limit.args else ""
        return FailureKind.TIMEOUT, (f"the test ran past its time limit{seconds} "
                                     "(pytest-timeout) and was stopped")
    if isinstance(exc, AssertionError):
        return FailureKind.CHECK, text or excinfo.exconly()
    return FailureKind.TEST_ERROR, excinfo.exconly()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    base = item.stash.get(_base_key, None)
    if base is None:
        return report
    record = dict(base, nodeid=report.nodeid, outcome=report.outcome, kind=None, message="",
                  where="", duration=float(getattr(report, "duration", 0.0)), when=call.when)
    excinfo = call.excinfo
    if report.outcome == "skipped" and excinfo is not None:
        record["message"] = _cap(str(getattr(excinfo.value, "msg", "") or excinfo.exconly()))
    elif report.outcome == "failed" and excinfo is not None:
        kind, message = _failure(item, call.when, excinfo)
        record.update(kind=kind.value, message=_cap(message), where=_where(item, excinfo))
    report.user_properties.append((RECORD_KEY, record))
    return report


def _records_file(config: pytest.Config) -> RecordsFile | None:
    """Where this run keeps its records, if asked: never on an xdist worker, whose records
    the controller gets."""
    path = config.getoption("--gradspec-results")
    if hasattr(config, "workerinput") or not path:
        return None
    s = plugin_settings(config)
    return RecordsFile(Path(path), {"impl": str(s.impl.value), "impl_source": s.impl.where,
                                    "mode": "isolated" if s.isolated.value else "local"})


def _plain(rec: dict[str, Any]) -> dict[str, Any]:
    """A case's record as the records file keeps it (without the phase it was last updated in)."""
    return {k: v for k, v in rec.items() if k != "when"}


class ScoreKeeper:
    """Collects one record per graded case from the reports (on the xdist controller too)."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self.records: dict[str, dict[str, Any]] = {}
        self.leaderboard: list[LeaderboardEntry] = []
        self.file = _records_file(config)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if self.file is not None:
            self.file.plan([planned_record(dict(item.stash[_base_key], nodeid=item.nodeid),
                                           list(item.iter_markers()))
                            for item in session.items if _base_key in item.stash])

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call":  # each phase's report repeats the properties so far
            self.leaderboard += [LeaderboardEntry.from_json(value)
                                 for key, value in report.user_properties
                                 if key == LEADERBOARD_KEY]
        phase = dict(report.user_properties).get(RECORD_KEY)
        if phase is None:
            return
        rec = self.records.get(report.nodeid)
        if rec is None:
            rec = self.records[report.nodeid] = dict(phase, outcome="passed", duration=0.0)
        rec["duration"] += phase["duration"]
        if phase["outcome"] == "skipped":
            rec.update(outcome="skipped", message=phase["message"])
        elif phase["outcome"] == "failed" and rec["outcome"] != "failed":
            rec.update(outcome="failed", kind=phase["kind"], message=phase["message"],
                       where=phase["where"])
        if phase["when"] == "teardown" and self.file is not None:
            self.file.finished(_plain(rec))

    def records_list(self) -> list[TestRecord]:
        return [TestRecord.from_json(r) for r in self.records.values()]

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.file is None:
            return
        facts: dict[str, Any] = {"leaderboard": [entry.to_json() for entry in self.leaderboard]}
        made = self.config.stash.get(_subject_key, None)
        if isinstance(made, IsolatedSubject):
            made.close()  # its children end now: the kernel's count of their CPU time is final
            facts["sandbox_cpu_seconds"] = round(made.cpu_seconds, 3)
        # every record as it stands: a case cut short (interrupted) had no teardown report
        self.file.end(int(exitstatus), [_plain(rec) for rec in self.records.values()], **facts)


def collected_records(config: pytest.Config) -> list[TestRecord]:
    """Every graded case's record so far, in report order."""
    return config.stash[_keeper_key].records_list()


class ClassroomOutput:
    """``--gradspec-classroom PATH``: at the end of the session (on the xdist controller), the
    run's grade as GitHub Classroom's ``result=<base64 JSON>`` line appended to PATH."""

    def __init__(self, path: Path):
        self.path = path

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        run = grade.build(collected_records(session.config), exit_code=int(exitstatus))
        classroom.append_output(run, self.path)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return
    records = collected_records(config)
    if not records:
        return
    run = grade.build(records)
    tr = terminalreporter
    tr.write_sep("=", "gradspec score")
    for note in config.stash.get(_notes_key, []):
        tr.write_line(f"  {note}")
    fp = scoring.fmt_points
    width = max(len(ex.name) for ex in run.exercises) + 2
    for ex in run.exercises:
        failed = ex.count(TestOutcome.FAILED)
        skipped = ex.count(TestOutcome.SKIPPED)
        line = (f"{ex.name:<{width}} {fp(ex.earned):>6} / {fp(ex.possible):<6} "
                f"({ex.count(TestOutcome.PASSED)} passed, {failed} failed")
        line += f", {skipped} skipped)" if skipped else ")"
        tr.write_line(line, green=ex.earned == ex.possible, red=ex.earned < ex.possible)
    skips: dict[str, int] = {}
    kinds: dict[str, int] = {}
    for ex in run.exercises:
        for reason, count in ex.skip_reasons().items():
            skips[reason] = skips.get(reason, 0) + count
        for hidden in (False, True):
            for label, count in ex.failure_kinds(hidden).items():
                kinds[label] = kinds.get(label, 0) + count
    for reason, count in sorted(skips.items()):
        tr.write_line(f"  not applicable here ({count} cases, no points lost): {reason}")
    left_out = sorted(e for e in absent_exercises(config)
                      if plugin_settings(config).assignment.includes(e))
    if left_out:
        tr.write_line(f"  not counted here, no module in {impl_folder(config)}: "
                      f"{', '.join(left_out)} (the grader counts every exercise)")
    for label, count in sorted(kinds.items()):
        tr.write_line(f"  {count} failed with status: {label}")
    hidden_possible = scoring.add(ex.hidden_possible for ex in run.exercises)
    kind = "points" if hidden_possible else "public points"
    tr.write_line(f"Score: {fp(run.score)} / {fp(run.max_score)} {kind}", bold=True)
    if hidden_possible:
        hidden_earned = scoring.add(ex.hidden_earned for ex in run.exercises)
        tr.write_line(f"  of which hidden tests: {fp(hidden_earned)} / {fp(hidden_possible)}")
    else:
        tr.write_line("  hidden tests are not included: the grader runs more tests than these")
