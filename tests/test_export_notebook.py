"""``grader export-student OUT --notebook``: a starter notebook per exercise that runs top to
bottom scoring 0, and that, with the reference's code pasted into its cells, earns full
marks in ``grader run``."""

from __future__ import annotations

import ast
import shutil
from fractions import Fraction
from pathlib import Path

import graded_runs
import kernels
import nbformat
import pytest

from grader.export import export_student, leaks, template_modules
from grader.export_notebook import NarrativeError, starter_notebook

ROOT = Path(__file__).resolve().parent.parent
#: These graded runs are about what a notebook gives, not about speed: a deadline per probe
#: call that a loaded machine never reaches (timing has tests of its own).
SLOW_MACHINE_PROBE_TIMEOUT = 60.0


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "starter"
    export_student(out, ROOT, notebook=True)
    return out


def _definitions(path: Path) -> tuple[list[str], dict[str, str]]:
    """(the module's other top-level statements, name -> definition), as text."""
    source = path.read_text(encoding="utf-8")
    lines = source.split("\n")
    tree = ast.parse(source)
    others, defs = [], {}
    for node in tree.body[1:] if ast.get_docstring(tree) else tree.body:
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        text = "\n".join(lines[start - 1:node.end_lineno])
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            defs[node.name] = text
        else:
            others.append(text)
    return others, defs


def test_the_export_holds_a_notebook_per_exercise_and_the_templates(exported):
    modules = template_modules(ROOT)
    assert sorted(p.name for p in exported.glob("*.ipynb")) == \
        sorted(f"{m.stem}.ipynb" for m in modules)
    assert not [m.name for m in modules if (exported / m.name).exists()]  # no module wins
    assert sorted(p.name for p in (exported / "student_template").glob("*.py")) == \
        sorted(m.name for m in modules)
    assert leaks(exported, ROOT) == []
    for module in modules:
        nb = nbformat.read(str(exported / f"{module.stem}.ipynb"), 4)
        nbformat.validate(nb)
        code = [c.source for c in nb.cells if c.cell_type == "code"]
        _, defs = _definitions(module)
        for text in defs.values():
            index = code.index(text)  # the stub as the template has it
            if "NotImplementedError" in text:
                assert code[index + 1] == f'check("{module.stem}")'
        markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        narrative = module.with_suffix(".md")
        if narrative.is_file():  # the seed's narrative comes first
            assert nb.cells[0].source.split("\n")[0] == narrative.read_text().split("\n")[0]
        assert markdown


def test_a_narrative_naming_a_definition_the_template_lacks_is_refused(tmp_path):
    (tmp_path / "ex.py").write_text("def f():\n    raise NotImplementedError\n")
    (tmp_path / "ex.md").write_text("# Ex\n<!-- before: g -->\ntext\n")
    with pytest.raises(NarrativeError, match="before g"):
        starter_notebook(tmp_path / "ex.py", "ex")


@pytest.mark.slow
@pytest.mark.timeout(900)  # a kernel and a check() per exercise: a guard against a hang
def test_starter_notebooks_run_top_to_bottom_and_score_zero(exported, tmp_path):
    with kernels.kernel_spec(tmp_path / "jupyter"):
        for module in template_modules(ROOT):
            nb = nbformat.read(str(exported / f"{module.stem}.ipynb"), 4)
            kernels.execute(nb, exported)  # raises if any cell fails
            checks = [c for c in nb.cells if c.cell_type == "code" and
                      c.source.startswith("check(")]
            assert checks
            for cell in checks:
                text = kernels.text_of(cell)
                assert "gradspec check: Score: 0 / " in text, text
                assert "not implemented" in text


def _paste_reference(exported: Path, submission: Path) -> Path:
    """The starter notebooks with the reference's code in their cells: its imports and
    constants in the imports cell, each definition in its stub's cell, the reference's own
    helpers after the last one; modules the template does not have come along as files."""
    submission.mkdir()
    templates = {m.stem for m in template_modules(ROOT)}
    for reference in sorted((ROOT / "reference").glob("*.py")):
        if reference.stem not in templates:
            if reference.name != "__init__.py":
                shutil.copyfile(reference, submission / reference.name)
            continue
        nb = nbformat.read(str(exported / f"{reference.stem}.ipynb"), 4)
        header, defs = _definitions(reference)
        code = [c for c in nb.cells if c.cell_type == "code"]
        future = [h for h in header if h.startswith("from __future__")]
        code[0].source = "\n".join([*future, "from grader import check",
                                    *[h for h in header if h not in future]])
        last = None
        for cell in code[1:]:
            name = next((n for n in defs if cell.source.startswith((f"def {n}(",
                                                                   f"class {n}"))), None)
            if name is not None:
                cell.source, last = defs.pop(name), cell
        assert last is not None
        last.source += "\n\n\n" + "\n\n\n".join(defs.values())
        nbformat.write(nb, str(submission / f"{reference.stem}.ipynb"))
    return submission


@pytest.mark.slow
def test_starter_notebooks_with_the_reference_pasted_in_earn_full_marks(exported, tmp_path):
    submission = _paste_reference(exported, tmp_path / "submission")
    graded = graded_runs.grade(submission, tmp_path / "out", suite=ROOT, total_timeout=600,
                               probe_timeout=SLOW_MACHINE_PROBE_TIMEOUT)
    assert graded.doc["status"] == "ok", graded.doc["message"]
    lost = [(t["nodeid"], t["kind"], t["message"][:300]) for t in graded.doc["tests"]
            if t["outcome"] == "failed"]
    assert graded.score == Fraction(graded.doc["max_score"]) > 0, lost
    assert graded.exit_status == 0
