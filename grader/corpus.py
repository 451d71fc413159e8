"""Turns a corpus entry written as overrides into a complete implementation.

A mutant folder holds, for each module it changes, only the definitions that make it wrong
(and the imports they need). Its complete module is the reference module's source followed
by the override's source: Python binds a name to its last definition, so the override's
definitions replace the reference's and the rest stays the reference's. :func:`materialize`
writes those modules, the reference's other modules and the folder's other files into a
folder that is graded like any submission. It knows nothing of the exercises.
"""

from __future__ import annotations

import ast
import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc")


def _reference_modules(reference_dir: Path) -> list[Path]:
    """The reference's modules: every ``*.py`` of ``reference_dir`` but ``__init__.py``."""
    return sorted(p for p in Path(reference_dir).glob("*.py") if p.name != "__init__.py")


def _with_override(reference: str, override: str, label: str) -> str:
    """The complete module: ``reference`` then ``override`` (whose definitions win).

    A ``from __future__`` import must open a module, so an override cannot bring one: it
    gets the reference's.
    """
    for node in ast.walk(ast.parse(override, filename=label)):
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            raise ValueError(f"{label}: an override cannot import from __future__ "
                             "(it is appended to the reference module, which has its own)")
    return (reference.rstrip("\n") + f"\n\n\n# ---- {label}: the definitions below replace "
            "the reference's ----\n\n" + override)


def materialize(entry_dir: Path, reference_dir: Path, dest: Path) -> Path:
    """Write into ``dest`` the implementation that ``entry_dir``'s overrides make of the
    reference, and return ``dest``.

    Each ``*.py`` of ``entry_dir`` named like a reference module becomes that module with the
    override appended; the reference's other modules are copied as they are, and so is every
    other file or folder of ``entry_dir``.
    """
    entry_dir, dest = Path(entry_dir), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    references = {p.name: p for p in _reference_modules(reference_dir)}
    for path in references.values():
        shutil.copyfile(path, dest / path.name)
    for path in sorted(entry_dir.iterdir()):
        if path.name == "__pycache__" or path.suffix == ".pyc":
            continue
        if path.is_dir():
            shutil.copytree(path, dest / path.name, ignore=_SKIP, dirs_exist_ok=True)
        elif path.name in references:
            text = _with_override(references[path.name].read_text(encoding="utf-8"),
                                  path.read_text(encoding="utf-8"),
                                  f"{entry_dir.name}/{path.name}")
            (dest / path.name).write_text(text, encoding="utf-8")
        else:
            shutil.copyfile(path, dest / path.name)
    return dest


@contextlib.contextmanager
def materialized(entry_dir: Path, reference_dir: Path) -> Iterator[Path]:
    """:func:`materialize` into a temporary folder that is removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=f"gradspec-{Path(entry_dir).name}-") as tmp:
        yield materialize(entry_dir, reference_dir, Path(tmp) / Path(entry_dir).name)
