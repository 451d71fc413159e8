"""Notebook submissions: the exercise modules built from the ``.ipynb`` files of a submission.

Run on a prepared submission folder (:mod:`grader.intake.submission`). Each notebook at its
top is read in bounded memory (:mod:`grader.intake.ipynb`); for each exercise module of the
suite (:mod:`grader.intake.api`) that the submission has no ``.py`` for, the notebook that
defines its API provides it (:mod:`grader.intake.extract` writes the module: the last
definitions, the imports and constants they need, no top-level code). A ``.py`` module of
the submission wins over a notebook. Every choice and every problem becomes a note (which
notebook and cells an exercise was graded from, a syntax error, a name only top-level code
defines, two notebooks defining one API, a notebook that cannot be read), shown in every
report. The notebooks are removed from the folder afterwards: they are not code, and their
outputs may be large. A submission whose only sources are notebooks that cannot be read is
not graded (status ``invalid notebook``).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.intake.api import ExerciseApi
from grader.intake.extract import Analysis, Module, Source, analyse, build_module, ran_later
from grader.intake.ipynb import (
    MAX_KEPT_BYTES,
    Cell,
    NotebookError,
    NotebookProblem,
    read_cells,
)
from grader.outcome import SubmissionStatus

SUFFIX = ".ipynb"


@dataclass
class NotebookIntake:
    """What the notebooks of a submission gave: notes for the reports, and its status."""

    notes: list[str] = field(default_factory=list)
    status: SubmissionStatus = SubmissionStatus.OK
    message: str = ""
    sources: dict[str, str] = field(default_factory=dict)  # module -> "file.py" / notebook


@dataclass
class _Notebook:
    name: str
    analysis: Analysis
    writes: dict[str, tuple[str, str]] = field(default_factory=dict)  # file -> text, cell

    def defines(self, names: frozenset[str]) -> set[str]:
        """Which of ``names`` it defines, in a cell that parses or one that does not."""
        broken = {n for b in self.analysis.broken for n in b.names}
        return self.analysis.definitions(names) | (broken & names)


def notebook_sources(cells: list) -> list[Source]:
    """The code cells of a notebook as sources labelled ``cell N`` (N counts every cell)."""
    return [Source(f"cell {c.number}", c.source, c.execution_count) for c in cells
            if c.kind == "code"]


def _notebooks_under(folder: Path) -> list[Path]:
    """Every notebook in ``folder``'s tree, whatever the case of its suffix (``HW.IPYNB``)."""
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() == SUFFIX and p.is_file())


#: The arguments of a ``%%writefile`` that writes a module: ``[-a|--append] [./]NAME.py``.
_WRITEFILE_ARGS = re.compile(r"^(?:(-a|--append)\s+)?(?:\./)?([A-Za-z_]\w*\.py)$")


def writefile_target(args: str) -> tuple[str, bool] | None:
    """(the module file, whether it appends) that ``%%writefile args`` writes; None when
    ``args`` name no module (another file, or options this does not follow)."""
    match = _WRITEFILE_ARGS.match(args.strip())
    return (match.group(2), bool(match.group(1))) if match else None


def written_files(cells: list[Cell]) -> dict[str, tuple[str, str]]:
    """The modules the notebook's ``%%writefile`` cells write when run, top to bottom: file
    name -> (its text, the label of the last cell writing it)."""
    files: dict[str, tuple[str, str]] = {}
    for cell in cells:
        first, _, body = cell.source.lstrip().partition("\n")
        magic, *args = first.split(None, 1) or [""]
        target = writefile_target("".join(args)) \
            if cell.kind == "code" and magic == "%%writefile" else None
        if target is None:
            continue
        name, append = target
        before = files.get(name, ("", ""))[0] if append else ""
        files[name] = (before + body + ("" if body.endswith("\n") else "\n"),
                       f"cell {cell.number}")
    return files


def _write_files(folder: Path, notebooks: list[_Notebook], intake: NotebookIntake) -> None:
    """Write the modules the notebooks' ``%%writefile`` cells write, as running them does; a
    file the submission holds is kept."""
    for notebook in notebooks:
        for name, (text, cell) in sorted(notebook.writes.items()):
            if (folder / name).exists():
                continue
            (folder / name).write_text(text, encoding="utf-8")
            intake.notes.append(f"{name}: written by {notebook.name}, {cell} (%%writefile), "
                                "as running the notebook does")


def _python_source(path: Path) -> str | None:
    """The file's text if it is Python that defines or imports something (a ``.py`` saved
    under the notebook's name), else None."""
    try:
        if path.stat().st_size > MAX_KEPT_BYTES:
            return None
        text = path.read_bytes().decode("utf-8-sig")
        tree = ast.parse(text)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return None
    if not any(isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef |
                          ast.Import | ast.ImportFrom) for node in tree.body):
        return None
    return text.replace("\r\n", "\n")


def has_module(folder: Path, module: str) -> bool:
    return (folder / f"{module}.py").is_file() or (folder / module / "__init__.py").is_file()


def _read(folder: Path, intake: NotebookIntake) -> tuple[list[_Notebook], list[str]]:
    notebooks: list[_Notebook] = []
    bad: list[str] = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.suffix.lower() != SUFFIX or path.is_symlink() or not path.is_file():
            continue
        try:
            cells = read_cells(path)
            notebooks.append(_Notebook(path.name, analyse(notebook_sources(cells)),
                                       written_files(cells)))
        except NotebookError as exc:
            source = _python_source(path) if exc.problem is NotebookProblem.INVALID_JSON else None
            if source is not None:
                notebooks.append(_Notebook(path.name, analyse([Source("the file", source)])))
                intake.notes.append(f"{path.name}: Python code, not a notebook (a .py file "
                                    "renamed?): read as one cell")
                continue
            bad.append(f"{path.name}: {exc.problem.value}: {exc.message}; it was not graded")
        except OSError as exc:
            bad.append(f"{path.name}: cannot be read ({exc.strerror}); it was not graded")
    intake.notes += bad
    return notebooks, bad


def write_modules(folder: Path, api: ExerciseApi, notebooks: list[tuple[str, Analysis]],
                  intake: NotebookIntake | None = None,
                  only: str | None = None) -> NotebookIntake:
    """Write into ``folder`` the exercise modules it lacks (``only`` that one) that
    ``notebooks`` (each a name and its analysed cells) provide; the notes say what came from
    where."""
    intake = intake or NotebookIntake()
    read = [_Notebook(name, analysis) for name, analysis in notebooks]
    for module in sorted(m for m in api.modules if only in (None, m)):
        _one_module(folder, module, api, read, intake)
    for notebook in read:
        if not notebook.analysis.positions:
            intake.notes.append(f"{notebook.name} has no code cells (saved before the work "
                                "was done, or an empty copy?)")
        elif not any(notebook.defines(names) for names in api.modules.values()):
            intake.notes.append(f"{notebook.name} defines none of the exercises' functions "
                                f"({', '.join(api.all_names())})")
    return intake


def build_exercise_modules(folder: Path, api: ExerciseApi) -> NotebookIntake:
    """Write the exercise modules the notebooks at the top of ``folder`` provide."""
    intake = NotebookIntake()
    everywhere = _notebooks_under(folder)
    if not everywhere:
        return intake
    notebooks, bad = _read(folder, intake)
    _write_files(folder, notebooks, intake)
    write_modules(folder, api, [(nb.name, nb.analysis) for nb in notebooks], intake)
    for path in everywhere:
        if path.parent != folder:
            intake.notes.append(f"{path.relative_to(folder)}: not read (notebooks are read "
                                "at the top of the submission only)")
        path.unlink()
    if bad and not intake.sources:
        intake.status = SubmissionStatus.INVALID_NOTEBOOK
        intake.message = "; ".join(bad)
    return intake


def _one_module(folder: Path, module: str, api: ExerciseApi, notebooks: list[_Notebook],
                intake: NotebookIntake) -> None:
    names = api.modules[module]
    key = api.distinguishing(module)
    providers = [nb for nb in notebooks if nb.defines(key)]
    listed = ", ".join(sorted(names))
    if has_module(folder, module):
        intake.sources[module] = f"{module}.py"
        also = ", ".join(nb.name for nb in providers)
        intake.notes.append(f"{module}: graded from {module}.py" + (
            f" ({also} also defines {listed}: a module wins over a notebook)" if also else ""))
        return
    if not providers:
        intake.notes.append(f"{module}: no {module}.py, and no notebook defines {listed}")
        return
    chosen = max(providers, key=lambda nb: len(nb.defines(names)))  # the first of equals
    built = build_module(chosen.analysis, names, chosen.name)
    (folder / f"{module}.py").write_text(built.text, encoding="utf-8")
    intake.sources[module] = chosen.name
    intake.notes.append(_graded_from(module, chosen.name, built))
    if len(providers) > 1:
        counts = "; ".join(f"{nb.name} defines {len(nb.defines(names))}" for nb in providers)
        intake.notes.append(f"{module}: {', '.join(nb.name for nb in providers)} all define "
                            f"its API ({listed}); graded from {chosen.name} ({counts})")
    missing = sorted(names - set(built.defined))
    if missing and not any(p.fatal for p in built.problems):
        intake.notes.append(f"{module}: {chosen.name} does not define {', '.join(missing)}")
    intake.notes += [f"{module}: {chosen.name}: {p.message}" for p in built.problems]
    for name in built.defined:
        order = ran_later(chosen.analysis, name)
        if order is not None:
            used, later = order
            intake.notes.append(
                f"{module}: {chosen.name}: {name} is graded from {used.cell.label} (In "
                f"[{used.cell.count}]), its last definition; {later.cell.label} above it "
                f"defines it too and ran later (In [{later.cell.count}]), so your kernel held "
                f"that one: grading reads the cells top to bottom, as Restart & Run All "
                f"does; keep only the definition you mean")


def _graded_from(module: str, notebook: str, built: Module) -> str:
    if not built.cells:
        return f"{module}: graded from {notebook}, which it cannot be built from (see below)"
    if all(label.startswith("cell ") for label in built.cells):
        word = "cell" if len(built.cells) == 1 else "cells"
        where = f"{word} {', '.join(label.removeprefix('cell ') for label in built.cells)}"
    else:
        where = ", ".join(built.cells)
    return f"{module}: graded from {notebook}, {where}"
