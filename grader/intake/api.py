"""Which names belong to which exercise module, read from the suite being graded.

The exercise modules are the suite's probe modules (``spec_tests/probes/<module>.py``: one
per module a submission provides). A module's API is the functions and classes its template
defines at the top level: ``student_template/<module>.py`` in the course's repository, or
``<module>.py`` at the root of an exported student repository (where the templates sit);
where neither can be read, the attributes its probes take from the student's module
(``mod.cosine_similarity``). Nothing here knows an exercise: it reads them off the suite.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from grader import settings

TEMPLATE_DIR = "student_template"


@dataclass(frozen=True)
class ExerciseApi:
    """The exercise modules of a suite and the names each one must define."""

    modules: dict[str, frozenset[str]]

    def distinguishing(self, module: str) -> frozenset[str]:
        """The module's names that no other module's API has (all of them if none)."""
        others = {n for m, names in self.modules.items() if m != module for n in names}
        own = self.modules.get(module, frozenset())
        return (own - others) or own

    def without(self, modules: Iterable[str]) -> ExerciseApi:
        """The API less ``modules`` (those of exercises an assignment leaves out)."""
        dropped = set(modules)
        return ExerciseApi({m: n for m, n in self.modules.items() if m not in dropped})

    def all_names(self) -> list[str]:
        return sorted({n for names in self.modules.values() for n in names})


def _top_level_definitions(path: Path) -> frozenset[str] | None:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return None
    return frozenset(node.name for node in tree.body if isinstance(
        node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)) or None


def _probe_attributes(path: Path) -> frozenset[str]:
    """``X`` of every ``mod.X`` in a probe module (``mod``: each probe's first parameter)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return frozenset()
    names: set[str] = set()
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or not node.args.args:
            continue
        student = node.args.args[0].arg
        for sub in ast.walk(node):
            if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and \
                    sub.value.id == student:
                names.add(sub.attr)
    return frozenset(names)


def suite_api(suite_root: Path, probes_dir: Path) -> ExerciseApi:
    """The API of every exercise module of the suite at ``suite_root``."""
    modules: dict[str, frozenset[str]] = {}
    for probe in sorted(Path(probes_dir).glob("*.py")):
        if probe.name.startswith("_"):
            continue
        name = probe.stem
        names = None
        for template in (suite_root / TEMPLATE_DIR / f"{name}.py", suite_root / f"{name}.py"):
            if template.is_file():
                names = _top_level_definitions(template)
                if names:
                    break
        modules[name] = names or _probe_attributes(probe)
    return ExerciseApi({m: n for m, n in modules.items() if n})


def graded_suite_api(suite_root: Path) -> ExerciseApi:
    """The API of the suite at ``suite_root``, its probes folder read from its ini."""
    probes = settings.resolve(settings.PROBES, ini=settings.suite_ini(suite_root)).value
    return suite_api(suite_root, suite_root / str(probes))
