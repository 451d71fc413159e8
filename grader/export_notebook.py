"""Starter notebooks: one per exercise module, from the course's template and narrative.

A module's notebook opens with the course's narrative (``student_template/<module>.md``,
written from the seed notebook; the module's docstring where there is none), then a code
cell with ``from grader import check`` and the template's imports and constants, then each
top-level definition of the template in a code cell of its own, preceded by the narrative's
text for it (a ``<!-- before: NAME -->`` line starts that text) and, where it is a task (its
body raises ``NotImplementedError``), followed by a ``check("<exercise>")`` cell. Nothing
here knows an exercise: it reads the template.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

NARRATIVE_SUFFIX = ".md"
_BEFORE = re.compile(r"^<!--\s*before:\s*([A-Za-z_]\w*)\s*-->\s*$", re.MULTILINE)


class NarrativeError(ValueError):
    """The narrative names a definition the template does not have."""


def _segments(source: str, tree: ast.Module) -> tuple[list[str], list[tuple[str, str]]]:
    """(the template's other top-level statements, (name, text) of each definition)."""
    lines = source.split("\n")
    header: list[str] = []
    definitions: list[tuple[str, str]] = []
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and \
                node is tree.body[0]:
            continue  # the module docstring: the narrative says it better
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        text = "\n".join(lines[start - 1:node.end_lineno])
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            definitions.append((node.name, text))
        else:
            header.append(text)
    return header, definitions


def _is_task(text: str) -> bool:
    """A definition the student writes: somewhere in it, ``raise NotImplementedError``."""
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                return True
    return False


def _narrative(text: str, names: list[str], where: Path) -> tuple[str, dict[str, str]]:
    """The introduction, and the text that goes before each named definition."""
    parts = _BEFORE.split(text)
    intro, before = parts[0].strip(), {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if name not in names:
            raise NarrativeError(f"{where} places text before {name}, which the template "
                                 f"does not define (it defines {', '.join(names)})")
        before[name] = body.strip()
    return intro, before


def starter_notebook(template: Path, exercise: str | None) -> object:
    """The starter notebook of the template module at ``template``; its check cells run
    ``check(exercise)`` (``check()``: every exercise, when None)."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    source = template.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(template))
    header, definitions = _segments(source, tree)
    names = [name for name, _ in definitions]
    narrative_path = template.with_suffix(NARRATIVE_SUFFIX)
    if narrative_path.is_file():
        intro, before = _narrative(narrative_path.read_text(encoding="utf-8"), names,
                                   narrative_path)
    else:
        intro = f"# {template.stem}\n\n{ast.get_docstring(tree) or ''}".strip()
        before = {}
    call = f'check("{exercise}")' if exercise else "check()"
    future = [h for h in header if h.startswith("from __future__")]  # first in a cell
    rest = [h for h in header if h not in future]
    imports = "\n".join([*future, "from grader import check", "", *rest]).strip()
    cells = [new_markdown_cell(intro), new_code_cell(imports)]
    for name, text in definitions:
        cells.append(new_markdown_cell(before.get(name) or f"### `{name}`"))
        cells.append(new_code_cell(text))
        if _is_task(text):
            cells.append(new_code_cell(call))
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    return notebook


def write_starter_notebooks(templates: list[Path], out: Path, exercises: set[str]) -> list[Path]:
    """``<module>.ipynb`` in ``out`` for each template; a module with public tests of its
    own name (``exercises``) checks that exercise, any other checks them all."""
    import nbformat

    written = []
    for template in templates:
        notebook = starter_notebook(template, template.stem if template.stem in exercises
                                    else None)
        path = out / f"{template.stem}.ipynb"
        nbformat.write(notebook, str(path))
        written.append(path)
    return written
