"""Every knob of gradspec, resolved in one place with one precedence.

    command line  >  environment variable  >  ini file  >  default

A :class:`Knob` names a setting's environment variable, ini key, default and parser; one
:func:`resolve` turns the places it may come from into a :class:`Setting` that remembers
where its value came from (the pytest header and ``grader run`` print it, "to catch
typos"). The ini file is the suite's pytest configuration (``pytest.ini``,
``pyproject.toml``'s ``[tool.pytest.ini_options]``, ``tox.ini``, ``setup.cfg``): inside
pytest it is pytest's own, outside it :func:`suite_ini` reads the same file. A value that
does not parse is refused with an error naming its source.
"""

from __future__ import annotations

import argparse
import configparser
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from grader.late import LatePolicy
from grader.outcome import Reveal

#: The seed of the hidden tests when none is given: public, fine for trying things out, not
#: for grading (students could compute the hidden inputs).
DEFAULT_SEED = 20261124


class SettingError(ValueError):
    """A setting's value is unusable; the message names where it came from."""


class Source(StrEnum):
    CLI = "command line"
    ENV = "environment"
    INI = "ini"
    DEFAULT = "default"


@dataclass(frozen=True)
class Setting:
    """A resolved value and where it came from (``where``: e.g. "environment GRADSPEC_SEED")."""

    value: Any
    source: Source
    where: str


def _bool(text: Any) -> bool:
    lowered = str(text).strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("expected 1/0, true/false, yes/no or on/off")


def _int(text: str) -> int:
    return int(str(text).strip(), 0)


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0 or value != value or value == float("inf"):
        raise ValueError("expected a positive number of seconds")
    return value


def _positive_int(text: str) -> int:
    value = int(str(text).strip())
    if value < 1:
        raise ValueError("expected a whole number of at least 1")
    return value


def _reveal(text: str) -> Reveal:
    return Reveal(str(text).strip().lower())


def _words(text: str | list[str]) -> tuple[str, ...]:
    return tuple(text) if isinstance(text, list | tuple) else tuple(str(text).split())


_EXERCISE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _assignment_table(raw: str | Iterable[str]) -> dict[str, tuple[str, ...]]:
    """``{name: exercises}`` from ``name = exercise, exercise`` lines (a string of lines or a
    list of them, as pytest.ini and pyproject.toml give it); blank and ``#`` lines are skipped."""
    lines = raw.splitlines() if isinstance(raw, str) else list(raw)
    table: dict[str, tuple[str, ...]] = {}
    for line in (str(line).strip() for line in lines):
        if not line or line.startswith("#"):
            continue
        name, sep, rest = line.partition("=")
        name = name.strip()
        exercises = tuple(e for e in re.split(r"[,\s]+", rest.strip()) if e)
        if not sep or not name or not exercises:
            raise ValueError(f"{line!r}: write each assignment as `name = exercise, exercise`")
        bad = [e for e in exercises if not _EXERCISE.match(e)]
        if bad:
            raise ValueError(f"{line!r}: {bad[0]!r} is not an exercise name")
        if name in table:
            raise ValueError(f"assignment {name!r} is listed twice")
        if len(set(exercises)) != len(exercises):
            raise ValueError(f"{line!r}: an exercise is listed twice")
        table[name] = exercises
    return table


@dataclass(frozen=True)
class Knob:
    """One setting: where it may be given, its default and how its text is read."""

    name: str
    help: str
    default: Any = None
    env: str | None = None
    ini: str | None = None
    parse: Callable[[Any], Any] = str

    def describe(self, default: Any = None) -> str:
        """The help text with every place the setting may come from, in precedence order."""
        places = [p for p in (f"env {self.env}" if self.env else "",
                              f"ini {self.ini}" if self.ini else "") if p]
        shown = self.default if default is None else default
        text = self.help
        if places:
            text += f" ({', '.join(places)})"
        if shown not in (None, "", ()):
            text += f"; default {shown}"
        return text


IMPL = Knob("impl", "implementation under test: a folder or .zip of modules, or the name of a "
            "folder under the rootdir", "reference", "GRADSPEC_IMPL", "gradspec_impl")
ISOLATED = Knob("isolated", "run the implementation only in sandbox child processes", False,
                "GRADSPEC_ISOLATED", parse=_bool)
SEED = Knob("seed", "seed of the hidden tests' inputs (set one for real grading: the default "
            "is public)", DEFAULT_SEED, "GRADSPEC_SEED", "gradspec_seed", _int)
SUITE = Knob("suite", "root of the spec suite (the folder holding spec_tests/)", None,
             "GRADSPEC_SUITE", parse=Path)
PROBES = Knob("probes", "folder of the probe modules, relative to the suite root",
              "spec_tests/probes", ini="gradspec_probes")
CATEGORIES = Knob("categories", "markers that are test categories", (),
                  ini="gradspec_categories", parse=_words)
PROBE_TIMEOUT = Knob("probe_timeout", "wall-clock seconds one probe call may take when its "
                     "test names no deadline (isolated mode)", 10.0,
                     "GRADSPEC_PROBE_TIMEOUT", "gradspec_probe_timeout", _positive_float)
TOTAL_TIMEOUT = Knob("total_timeout", "wall-clock seconds grading one submission may take",
                     900.0, "GRADSPEC_TOTAL_TIMEOUT", "gradspec_total_timeout",
                     _positive_float)
CHECK_TIMEOUT = Knob("check_timeout", "wall-clock seconds check() in a notebook may take to "
                     "run an exercise's public tests", 300.0, "GRADSPEC_CHECK_TIMEOUT",
                     "gradspec_check_timeout", _positive_float)
ZYGOTE = Knob("zygote", "fork sandbox children from a zygote that has torch imported (one "
              "per batch worker, or per isolated pytest run; 0: start each child fresh)", True,
              "GRADSPEC_ZYGOTE",
              parse=_bool)
ZYGOTE_DIR = Knob("zygote_dir", "folder of the running zygote an isolated pytest run forks its "
                  "sandbox children from (set by grader run, which starts it before reading "
                  "the submission; unset: the run starts its own)", None, "GRADSPEC_ZYGOTE_DIR")
MEMO_DIR = Knob("memo_dir", "folder where a batch worker's pytest runs keep the values that do "
                "not depend on the submission (the suite's oracles), so each is computed "
                "once per worker (set by the batch; unset: computed every time)", None,
                "GRADSPEC_MEMO_DIR")
JOBS = Knob("jobs", "how many run at once", None, "GRADSPEC_JOBS",
            parse=_positive_int)
EXECUTOR = Knob("executor", "where a batch's submissions are graded: local (worker processes "
                "on this machine) or dask (a Dask distributed cluster)", "local",
                "GRADSPEC_EXECUTOR")
SCHEDULER = Knob("scheduler", "address of the Dask scheduler for --executor dask, e.g. "
                 "tls://10.0.0.5:8786 (neither this nor a scheduler file: a local cluster of "
                 "--jobs single-threaded worker processes)", None, "GRADSPEC_SCHEDULER")
SCHEDULER_FILE = Knob("scheduler_file", "the scheduler file written by `dask scheduler "
                      "--scheduler-file F`, for --executor dask", None,
                      "GRADSPEC_SCHEDULER_FILE", parse=Path)
REVEAL = Knob("reveal", "what a hidden test shows a student once grades are published: "
              "points (its points and how it ended), description (+ what it checks) or full "
              "(+ its failure message, which holds the hidden inputs)", Reveal.DESCRIPTION,
              "GRADSPEC_REVEAL", "gradspec_reveal", _reveal)
PER_CASE_ROWS = Knob("per_case_rows", "one results.json row per parametrized case instead of "
                     "one per test function", False, "GRADSPEC_PER_CASE_ROWS",
                     "gradspec_per_case_rows", _bool)
LEADERBOARD = Knob("leaderboard", "run the suite's leaderboard tests and report their values "
                   "(Gradescope's leaderboard)", False, "GRADSPEC_LEADERBOARD",
                   "gradspec_leaderboard", _bool)
LATE_POLICY = Knob("late_policy", "late penalty: none, N%/day (N % of the score per started day "
                   "late), zero-after-late-due, or both joined by +", LatePolicy(),
                   "GRADSPEC_LATE_POLICY", "gradspec_late_policy", LatePolicy.parse)
CANVAS_ID = Knob("canvas_id", "the Canvas assignment id: canvas_import.csv's column becomes "
                 "'<assignment name> (ID)', the header Canvas matches to fill that assignment",
                 None, "GRADSPEC_CANVAS_ID", "gradspec_canvas_id", str)
ASSIGNMENT = Knob("assignment", "the assignment to grade, validate or export: a name the "
                  "suite's ini lists under gradspec_assignments", None, "GRADSPEC_ASSIGNMENT",
                  "gradspec_assignment", lambda text: str(text).strip() or None)
ASSIGNMENTS = Knob("assignments", "the suite's assignments, one `name = exercise, exercise` "
                   "line each (default: every exercise is one assignment)", {},
                   ini="gradspec_assignments", parse=_assignment_table)


def resolve(knob: Knob, *, cli: Any = None, ini: Mapping[str, Any] | None = None,
            env: Mapping[str, str] | None = None, default: Any = None,
            default_from: str = "default") -> Setting:
    """The knob's value from the first place that gives one: ``cli`` (None: not given), the
    environment, ``ini`` (the suite's ini keys), else ``default`` (a command's own default,
    read from ``default_from``; text is parsed) or the knob's own."""
    env = os.environ if env is None else env
    if cli is not None:
        return Setting(_parsed(knob, cli, "command line"), Source.CLI, "command line")
    if knob.env and env.get(knob.env, "").strip():
        where = f"environment {knob.env}"
        return Setting(_parsed(knob, env[knob.env], where), Source.ENV, where)
    if knob.ini and ini is not None and ini.get(knob.ini) not in (None, "", []):
        where = f"ini {knob.ini}"
        return Setting(_parsed(knob, ini[knob.ini], where), Source.INI, where)
    if default is None:
        return Setting(knob.default, Source.DEFAULT, "default")
    value = _parsed(knob, default, default_from) if isinstance(default, str) else default
    return Setting(value, Source.DEFAULT, default_from)


def _parsed(knob: Knob, raw: Any, where: str) -> Any:
    try:
        return knob.parse(raw)
    except (ValueError, TypeError) as exc:
        raise SettingError(f"{knob.name} = {str(raw)!r} from {where}: {exc}") from None


def suite_ini(root: Path) -> dict[str, Any]:
    """The pytest ini keys of the suite at ``root``, from the file pytest itself would read
    (pytest.ini, pyproject.toml, tox.ini, setup.cfg: the first that has a pytest section)."""
    root = Path(root)
    for name, section in (("pytest.ini", "pytest"), (".pytest.ini", "pytest"),
                          ("pyproject.toml", None), ("tox.ini", "pytest"),
                          ("setup.cfg", "tool:pytest")):
        path = root / name
        if not path.is_file():
            continue
        if section is None:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            options = data.get("tool", {}).get("pytest", {}).get("ini_options")
            if options is not None:
                return dict(options)
            continue
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(path, encoding="utf-8")
        if parser.has_section(section):
            return dict(parser.items(section))
        if name == "pytest.ini":
            return {}
    return {}


def installed_suite() -> Path:
    """The checkout gradspec runs from (where its own spec_tests/ are)."""
    return Path(__file__).resolve().parent.parent


def suite_root(cli: Path | str | None = None, env: Mapping[str, str] | None = None) -> Path:
    """The folder holding ``spec_tests/``: ``--suite``, else ``$GRADSPEC_SUITE``, else the
    current folder when it holds one, else gradspec's own checkout."""
    given = resolve(SUITE, cli=cli, env=env)
    if given.value is not None:
        root = Path(given.value).resolve()
        if not (root / "spec_tests").is_dir():
            raise SettingError(f"suite {root} from {given.where}: it holds no spec_tests/ "
                               "folder")
        return root
    for candidate in (Path.cwd(), installed_suite()):
        if (candidate / "spec_tests").is_dir():
            return candidate.resolve()
    raise SettingError(f"no spec_tests/ folder in {Path.cwd()} or {installed_suite()}: pass "
                       "--suite DIR (the folder holding spec_tests/)")


def add_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup, knob: Knob,
               *flags: str, default: Any = None, **kwargs: Any) -> None:
    """A command-line option for ``knob``: its help names the env and ini alternatives and the
    default; the parsed value is None when the option is not given (so that :func:`resolve`
    looks further)."""
    kwargs.setdefault("dest", knob.name)
    parser.add_argument(*flags, default=None, help=knob.describe(default).replace("%", "%%"),
                        **kwargs)
