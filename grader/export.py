"""``grader export-student OUT``: the student starter repository.

It holds the template modules at its root, the public spec tests (``spec_tests/`` without
``hidden/``, with the probes; with an assignment, only its exercises' files: those named
after another exercise are left out), the root ``conftest.py``, a copy of the ``grader/``
package (the pytest plugin that scores a run), a ``pyproject.toml`` whose pytest settings test
the student's own modules (``gradspec_impl = "."``, and the assignment), ``tox.ini``,
``constraints.txt``, a README and GitHub Classroom's workflow
(``.github/workflows/classroom.yml``: the public tests' points per test function, through
Classroom's own reporter). Never the reference, the hidden tests or the mutant corpus:
:func:`leaks` checks the written tree and the export fails if it finds any. With
``--notebook``, a starter notebook per exercise (:mod:`grader.export_notebook`) takes the
template module's place at the root, and the templates go to ``student_template/`` (where the
grader reads each exercise's API).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tomllib
from pathlib import Path

from grader import settings
from grader.assignment import ALL_EXERCISES, Assignment, for_suite, suite_exercises
from grader.atomic import writable_folder
from grader.export_notebook import NarrativeError, write_starter_notebooks

TEMPLATE_DIR = "student_template"
REFERENCE_DIR = "reference"
SPEC_DIR = "spec_tests"
HIDDEN_DIR = "hidden"
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "*.egg-info")
_IMPORTS_REFERENCE = re.compile(r"^\s*(from\s+reference[\s.]|import\s+reference\b)", re.MULTILINE)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", type=Path, metavar="OUT",
                        help="folder to create (must not exist or be empty)")
    settings.add_option(parser, settings.SUITE, "--suite", type=Path, metavar="DIR")
    parser.add_argument("--notebook", action="store_true",
                        help="a starter notebook per exercise instead of the template modules")
    settings.add_option(parser, settings.ASSIGNMENT, "--assignment", metavar="NAME",
                        default="every exercise")


def _toml_value(value: object) -> str:
    if isinstance(value, list):
        if len(value) > 3:
            return "[\n" + "".join(f"    {json.dumps(v)},\n" for v in value) + "]"
        return "[" + ", ".join(json.dumps(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(str(value))


#: What the plugin needs in a student repository, and what notebooks need besides.
STUDENT_DEPENDENCIES = ("torch", "numpy", "pytest", "pytest-timeout")
NOTEBOOK_DEPENDENCIES = ("nbformat", "jinja2", "ipykernel")


def pyproject_text(suite_root: Path, notebook: bool = False,
                   assignment: Assignment = ALL_EXERCISES) -> str:
    """The student repo's pyproject: installs the grader plugin, tests the root modules (of
    ``assignment``, which its pytest settings then select)."""
    source = suite_root / "pyproject.toml"
    project = tomllib.loads(source.read_text(encoding="utf-8")) if source.is_file() else {}
    ini = dict(project.get("tool", {}).get("pytest", {}).get("ini_options", {}))
    ini.update(testpaths=[SPEC_DIR], gradspec_impl=".",
               gradspec_probes=f"{SPEC_DIR}/probes")
    ini.pop(settings.ASSIGNMENTS.ini, None)
    ini.pop(settings.ASSIGNMENT.ini, None)
    if assignment.exercises is not None:
        ini[settings.ASSIGNMENTS.ini] = [f"{assignment.name} = {', '.join(assignment.exercises)}"]
        ini[settings.ASSIGNMENT.ini] = assignment.name
    keep = STUDENT_DEPENDENCIES + (NOTEBOOK_DEPENDENCIES if notebook else ())
    declared = project.get("project", {}).get("dependencies", [])
    declared += project.get("project", {}).get("optional-dependencies", {}).get("dev", [])
    deps = [d for d in declared if re.split(r"[<>=!~ \[]", d, maxsplit=1)[0] in keep]
    named = {re.split(r"[<>=!~ \[]", d, maxsplit=1)[0] for d in deps}
    deps += [k for k in keep if k not in named]
    ini_lines = "\n".join(f"{key} = {_toml_value(value)}" for key, value in ini.items())
    return f"""# The exercises' starter repository. `pip install -e .` installs the grading plugin
# (the `grader` package here) so that `pytest` scores your own modules at this folder's root.
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "gradspec-student"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = {_toml_value(deps)}

[project.optional-dependencies]
fast = ["pytest-xdist>=3.5"]

[project.entry-points.pytest11]
gradspec = "grader.plugin"

[tool.setuptools.packages.find]
include = ["grader*"]

[tool.setuptools.package-data]
grader = ["reports/templates/*.j2"]

[tool.pytest.ini_options]
{ini_lines}
"""


TOX_INI = """# `pip install tox`, then `tox`: runs the public tests against your modules in a fresh
# environment (torch pinned by constraints.txt to a CPU build).
[tox]
env_list = py
skip_missing_interpreters = true

[testenv]
deps = -c constraints.txt
setenv =
    PIP_CONSTRAINT = {toxinidir}/constraints.txt
commands = pytest -p no:cacheprovider {posargs}
"""

README = """# {title}

Your task: implement the functions in {modules} (they raise `NotImplementedError` now).
The public conformance tests in `spec_tests/` check your modules and print your score.

## The two commands

    pip install -c constraints.txt -e .
    pytest

The first installs the dependencies (a CPU build of torch, pinned in `constraints.txt`) and
the grading plugin; run it once, in a virtual environment (`python -m venv .venv` and
activate it). Offline, with the dependencies already installed, use
`pip install --no-build-isolation --no-deps -e .` instead. The second runs every public test
against the modules at the root of this folder and ends with your score, e.g.
`Score: 37.5 / 60 public points`.

## Tips

* `pytest -k {first}` runs one exercise; `pytest -x` stops at the first failure;
  `pytest -n 2` (after `pip install -e '.[fast]'`) uses two cores.
* Each failure says what was called, with which inputs, what was expected and a hint.
* The grader runs more tests than these (hidden tests with other inputs): passing the public
  tests is necessary, not sufficient. Tests needing a GPU are skipped here at no cost.
* Submit the modules ({modules}) as they are at the root of this folder, or a .zip of them.
* On GitHub Classroom, every push runs the public tests (`.github/workflows/classroom.yml`)
  and shows their points; your grade also counts the hidden tests, run by your instructor.
"""

NOTEBOOK_README = """# {title}

Your task: fill in the functions in the notebooks {notebooks} (they raise
`NotImplementedError` now). The public conformance tests in `spec_tests/` check your work and
print your score.

## The two commands

    pip install -c constraints.txt -e .
    jupyter lab        # or VS Code, or any notebook editor with a Python kernel

The first installs the dependencies (a CPU build of torch, pinned in `constraints.txt`),
the grading plugin and a Jupyter kernel; run it once, in a virtual environment
(`python -m venv .venv` and activate it; `pip install jupyterlab` for `jupyter lab`).

## Checking your work

* In a notebook, run the `check(...)` cell after a task: it runs that exercise's public
  tests on the definitions your kernel holds now (the cells you ran) and shows your score
  and every failure. It runs the tests in a separate process, so a hang or a crash in your
  code never kills your kernel.
* In a terminal, `pytest` runs every public test on the notebooks of this folder, `pytest -k
  {first}` one exercise.
* Only the definitions are graded (with the imports and constants they use): the rest of
  your notebook (plots, prints, long training runs) is never run by the grader. If a cell
  has a syntax error, the exercise whose definitions are in it cannot be graded.
* The grader runs more tests than these (hidden tests with other inputs). Tests needing a
  GPU are skipped here at no cost.
* Submit the notebooks ({notebooks}), or a .zip of them.
* On GitHub Classroom, every push runs the public tests (`.github/workflows/classroom.yml`)
  and shows their points; your grade also counts the hidden tests, run by your instructor.
"""

GITIGNORE = "__pycache__/\n*.pyc\n*.egg-info/\n.pytest_cache/\n.venv/\n.tox/\n"

#: Where GitHub Classroom looks for the autograding workflow, and the runner id its reporter
#: reads (``SPEC-TESTS_RESULTS``: the id upper-cased, then ``_RESULTS``).
CLASSROOM_WORKFLOW = ".github/workflows/classroom.yml"
CLASSROOM_RUNNER = "spec-tests"
WORKFLOW = f"""# GitHub Classroom autograding: the public tests, their points per test function.
# The plugin's --gradspec-classroom writes the step output `result` (base64 JSON, the
# reporter's format v1); classroom-resources/autograding-grading-reporter reads it as
# {CLASSROOM_RUNNER.upper()}_RESULTS, prints each test and posts "Points X/Y" to Classroom.
# Only public tests run here: hidden tests cannot be kept secret in a student's repository.
# The option is written with "=": a path given as a separate word would make pytest look
# for its rootdir next to that file instead of this repository.
name: Autograding Tests
"on":
  - push
  - repository_dispatch
  - workflow_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    name: Autograding Tests
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    timeout-minutes: 20
    steps:
      - name: Checkout code
        uses: actions/checkout@v4
      - name: Set up Python
        uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Install (torch's CPU build, pinned by constraints.txt)
        run: |
          python -m pip install --upgrade pip
          pip install --index-url https://download.pytorch.org/whl/cpu -c constraints.txt torch
          pip install -c constraints.txt -e .
      - name: Public spec tests
        id: {CLASSROOM_RUNNER}
        run: python -m pytest -p no:cacheprovider --gradspec-classroom="$GITHUB_OUTPUT"
        continue-on-error: true
      - name: Autograding Reporter
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
          {CLASSROOM_RUNNER.upper()}_RESULTS: "${{{{ steps.{CLASSROOM_RUNNER}.outputs.result }}}}"
        with:
          runners: {CLASSROOM_RUNNER}
"""


def other_exercises(suite_root: Path, assignment: Assignment) -> set[str]:
    """The suite's exercises that ``assignment`` leaves out."""
    return {e for e in suite_exercises(suite_root) if not assignment.includes(e)}


def _of_exercise(name: str, exercises: set[str]) -> bool:
    """Whether a file is named after one of ``exercises`` (``X.py`` or ``test_X.py``)."""
    stem = name.removesuffix(".py")
    return name.endswith(".py") and (stem in exercises or stem.removeprefix("test_") in exercises)


def template_modules(suite_root: Path, assignment: Assignment = ALL_EXERCISES) -> list[Path]:
    """The template's modules (every ``*.py`` of ``student_template/`` but ``__init__`` and
    those of exercises ``assignment`` leaves out)."""
    folder = suite_root / TEMPLATE_DIR
    left_out = other_exercises(suite_root, assignment)
    return sorted(p for p in folder.glob("*.py")
                  if p.name != "__init__.py" and not _of_exercise(p.name, left_out))


def export_student(out: Path, suite_root: Path, notebook: bool = False,
                   assignment: Assignment = ALL_EXERCISES) -> list[Path]:
    """Write the starter repository of ``assignment`` (default: every exercise) into ``out``
    (starter notebooks with ``notebook``); return the files written."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} exists and is not empty: choose a new folder")
    modules = template_modules(suite_root, assignment)
    left_out = other_exercises(suite_root, assignment)
    if not modules:
        raise FileNotFoundError(f"no template modules in {suite_root / TEMPLATE_DIR}")
    out.mkdir(parents=True, exist_ok=True)
    if notebook:  # the templates are where the grader reads the API; notebooks at the root
        (out / TEMPLATE_DIR).mkdir()
        for module in modules:
            shutil.copyfile(module, out / TEMPLATE_DIR / module.name)
        exercises = {p.stem.removeprefix("test_")
                     for p in (suite_root / SPEC_DIR).glob("test_*.py")} - left_out
        write_starter_notebooks(modules, out, exercises)
    else:
        for module in modules:
            shutil.copyfile(module, out / module.name)
    hidden_skip = shutil.ignore_patterns(HIDDEN_DIR, "__pycache__", "*.pyc")

    def skip(folder: str, names: list[str]) -> set[str]:
        return set(hidden_skip(folder, names)) | {n for n in names if _of_exercise(n, left_out)}

    shutil.copytree(suite_root / SPEC_DIR, out / SPEC_DIR, ignore=skip)
    shutil.copytree(Path(__file__).resolve().parent, out / "grader", ignore=_SKIP)
    for name in ("conftest.py", "constraints.txt"):
        if (suite_root / name).is_file():
            shutil.copyfile(suite_root / name, out / name)
    (out / "pyproject.toml").write_text(pyproject_text(suite_root, notebook, assignment),
                                        encoding="utf-8")
    (out / "tox.ini").write_text(TOX_INI, encoding="utf-8")
    title = ("Exercises" if assignment.exercises is None else assignment.name) + \
        ": starter repository"
    if notebook:
        notebooks = ", ".join(f"`{m.stem}.ipynb`" for m in modules)
        readme = NOTEBOOK_README.format(title=title, notebooks=notebooks, first=modules[0].stem)
    else:
        names = ", ".join(f"`{m.name}`" for m in modules)
        readme = README.format(title=title, modules=names, first=modules[0].stem)
    (out / "README.md").write_text(readme, encoding="utf-8")
    (out / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    workflow = out / CLASSROOM_WORKFLOW
    workflow.parent.mkdir(parents=True, exist_ok=True)
    workflow.write_text(WORKFLOW, encoding="utf-8")
    problems = leaks(out, suite_root)
    if problems:
        shutil.rmtree(out)
        raise RuntimeError("export refused, it would leak: " + "; ".join(problems))
    return sorted(p for p in out.rglob("*") if p.is_file())


def _normalised(data: bytes) -> bytes:
    return b"\n".join(line.rstrip() for line in data.strip().splitlines())


def leaks(out: Path, suite_root: Path) -> list[str]:
    """What in ``out`` must not reach students: reference files (by path or content), hidden
    tests, mutants, or code importing the reference."""
    secret: dict[bytes, str] = {}
    for folder in (suite_root / REFERENCE_DIR, suite_root / SPEC_DIR / HIDDEN_DIR,
                   suite_root / "tests" / "mutants", suite_root / "tests" / "alternatives"):
        for path in folder.rglob("*") if folder.is_dir() else ():
            if path.is_file() and "__pycache__" not in path.parts:
                body = _normalised(path.read_bytes())
                if len(body) >= 40:  # an empty __init__.py is not a secret
                    secret[body] = str(path.relative_to(suite_root))
    problems = []
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out)
        if rel.parts[:1] == (REFERENCE_DIR,) or HIDDEN_DIR in rel.parts or "mutants" in rel.parts:
            problems.append(f"{rel}: a reference, hidden or mutant path")
        if not path.is_file():
            continue
        data = path.read_bytes()
        if _normalised(data) in secret:
            problems.append(f"{rel}: same content as {secret[_normalised(data)]}")
        if path.suffix == ".py" and _IMPORTS_REFERENCE.search(data.decode("utf-8", "replace")):
            problems.append(f"{rel}: imports the reference")
    return problems


def main(args: argparse.Namespace) -> int:
    try:
        writable_folder(Path(args.out), "OUT")
        suite_root = settings.suite_root(args.suite)
        assignment = for_suite(suite_root, getattr(args, "assignment", None))
        files = export_student(args.out, suite_root, notebook=args.notebook,
                               assignment=assignment)
    except (FileExistsError, FileNotFoundError, RuntimeError, NarrativeError,
            settings.SettingError) as exc:
        print(f"grader export-student: {exc}", file=sys.stderr)
        return 2
    print(f"wrote the student starter repository to {args.out} ({len(files)} files); "
          "checked: no reference, no hidden tests")
    then = "jupyter lab" if args.notebook else "pytest"
    print(f"students run:\n    cd {args.out}\n    pip install -c constraints.txt -e .\n    {then}")
    return 0
