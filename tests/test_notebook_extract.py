"""Building exercise modules from notebook cells: what is kept, what never runs, and what a
student is told when a notebook cannot give an exercise."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from notebook_fixtures import (
    REFERENCE,
    exercises_notebook,
    modules_of,
    notebook_submission,
    polyfit_notebook,
)

from grader.intake.api import ExerciseApi, graded_suite_api, suite_api
from grader.intake.extract import ProblemKind, Source, analyse, build_module, python_code
from grader.intake.notebook import build_exercise_modules
from grader.intake.submission import prepare_submission
from grader.outcome import SubmissionStatus

ROOT = Path(__file__).resolve().parent.parent
API = ExerciseApi({"cosine": frozenset({"cosine_similarity"}),
                   "momentum": frozenset({"GradientDescent", "MomentumGradientDescent"})})


def module(*cells: str, names=("cosine_similarity",)):
    analysis = analyse([Source(f"cell {i}", c) for i, c in enumerate(cells, start=1)])
    return build_module(analysis, names, "nb.ipynb")


def run(text: str) -> dict:
    namespace: dict = {}
    exec(compile(text, "built.py", "exec"), namespace)
    return namespace


def top_level_kinds(text: str) -> set[type]:
    return {type(node) for node in ast.parse(text).body}


def test_magics_shell_lines_and_load_are_blanked_not_run():
    code, error = python_code("%matplotlib inline\n!nvidia-smi\nfiles = !ls\n%load sol.py\n"
                              "x?\nfor i in range(2):\n    %time f(i)\nimport torch")
    assert error is None and code.split("\n")[-1] == "import torch"
    assert "    pass" in code and "%" not in code and "!" not in code
    assert python_code("%%bash\necho hi")[0] is None  # not Python: the cell is skipped
    code, error = python_code("%%time\nimport torch")
    assert error is None and code.strip() == "import torch"
    doc = 'def f():\n    """% of the\n!important"""\n    return 1'
    assert python_code(doc) == (doc, None)  # a docstring is never taken for a magic


def test_the_last_definition_wins_and_nothing_else_is_kept():
    built = module("import torch\nimport matplotlib.pyplot as plt\n%matplotlib inline",
                   "def cosine_similarity(x, y):\n    return torch.sum(x) + torch.sum(y)",
                   "x = torch.rand(3)\nprint(cosine_similarity(x, x))\nplt.plot([1, 2])",
                   "def cosine_similarity(x, y):\n    return torch.dot(x, y) / (x.norm() * "
                   "y.norm())",
                   "def plot_fit(ax):\n    ax.plot([1])")
    assert built.defined == ("cosine_similarity",) and built.cells == ("cell 1", "cell 4")
    assert "torch.sum(x) + torch.sum(y)" not in built.text
    assert "plt" not in built.text and "print" not in built.text and "plot_fit" not in built.text
    import torch

    x, y = torch.tensor([1.0, 0.0]), torch.tensor([1.0, 1.0])
    assert float(run(built.text)["cosine_similarity"](x, y)) == pytest.approx(2 ** -0.5)


def test_a_solution_split_across_cells_brings_its_helpers_constants_and_imports():
    built = module("import torch as T\nEPS = 0.0\nSCALE = EPS * 2 + 1",
                   "def cosine_similarity(x, y):\n    return dot(x, y) / (norm(x) * norm(y))",
                   "def norm(v):\n    return T.sqrt(dot(v, v)) * SCALE",
                   "def dot(a, b):\n    return (a * b).sum() + EPS")
    assert built.cells == ("cell 1", "cell 2", "cell 3", "cell 4")
    import torch

    value = run(built.text)["cosine_similarity"](torch.ones(2), torch.ones(2))
    assert float(value) == pytest.approx(1.0)


def test_cells_run_out_of_order_are_put_back_in_an_order_that_imports():
    built = module("class MomentumGradientDescent(GradientDescent):\n    pass",
                   "class GradientDescent:\n    def __init__(self, params, lr=LR):\n"
                   "        self.params = list(params)",
                   "LR = 0.5", names=("MomentumGradientDescent", "GradientDescent"))
    namespace = run(built.text)
    assert issubclass(namespace["MomentumGradientDescent"], namespace["GradientDescent"])
    assert namespace["GradientDescent"]([]).params == []


def test_top_level_code_never_runs_not_even_a_long_training_run():
    built = module("import torch\ndef cosine_similarity(x, y):\n    return torch.dot(x, y)",
                   "raise SystemExit('top-level code ran')",
                   "%%time\nresult = train(torch.ones(3), n_steps=200_000)",
                   "def train(x, n_steps):\n    while True:\n        pass",
                   "for _ in range(200_000):\n    cosine_similarity(torch.ones(1), "
                   "torch.ones(1))",
                   "history = train(torch.ones(3), 200_000)",
                   names=("cosine_similarity", "train"))
    assert top_level_kinds(built.text) <= {ast.Import, ast.FunctionDef}
    run(built.text)  # importing it runs nothing of the notebook (it would exit or hang)


def test_a_name_only_top_level_code_defines_is_named_with_its_cell():
    built = module("import torch\nfor EPS in (1e-6, 1e-8):\n    pass",
                   "def cosine_similarity(x, y):\n    return torch.dot(x, y) + EPS + SCALE",
                   "SCALE = fit(3)", "def fit(n):\n    return n")
    messages = [p.message for p in built.problems]
    assert all(p.kind is ProblemKind.NOT_EXTRACTED and not p.fatal for p in built.problems)
    assert any("uses EPS" in m and "cell 1: a loop" in m for m in messages)
    assert any("uses SCALE" in m and "calls fit, a function of the notebook" in m
               for m in messages)
    assert "EPS" not in built.text.split("def cosine_similarity")[0]


def test_guarded_imports_and_future_imports_are_kept():
    built = module("from __future__ import annotations\ntry:\n    import scipy_missing as sp\n"
                   "except ImportError:\n    sp = None",
                   "def cosine_similarity(x: Tensor, y: Tensor) -> Tensor:\n    return sp")
    assert built.text.split("\n")[3] == "from __future__ import annotations"
    assert run(built.text)["cosine_similarity"](1, 2) is None


def test_a_syntax_error_in_a_definitions_cell_fails_its_exercise_only():
    cells = ["import torch",
             "def cosine_similarity(x, y):\n    return torch.dot(x, y) / (",
             "class GradientDescent:\n    pass\n\n\nclass MomentumGradientDescent("
             "GradientDescent):\n    pass",
             "def scratch(x:\n    pass"]
    broken = module(*cells)
    assert [p.kind for p in broken.problems] == [ProblemKind.SYNTAX_ERROR]
    assert "cell 2" in broken.problems[0].message and "line 2" in broken.problems[0].message
    with pytest.raises(SyntaxError, match="cell 2"):
        run(broken.text)
    fine = module(*cells, names=("GradientDescent", "MomentumGradientDescent"))
    assert not fine.problems and "MomentumGradientDescent" in run(fine.text)


def _write(folder: Path, name: str, *cells: str) -> Path:
    nb = new_notebook(cells=[new_markdown_cell("# work"),
                             *(new_code_cell(c) for c in cells)])
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(folder / name))
    return folder / name


COSINE = "import torch\ndef cosine_similarity(x, y):\n    return torch.dot(x, y)"
MOMENTUM = "class GradientDescent:\n    pass\nclass MomentumGradientDescent(GradientDescent):\n" \
           "    pass"


def test_a_module_of_the_submission_wins_and_the_notes_say_so(tmp_path):
    _write(tmp_path, "work.ipynb", COSINE, MOMENTUM)
    (tmp_path / "cosine.py").write_text("def cosine_similarity(x, y):\n    return 1\n")
    intake = build_exercise_modules(tmp_path, API)
    assert (tmp_path / "cosine.py").read_text().endswith("return 1\n")
    assert intake.sources == {"cosine": "cosine.py", "momentum": "work.ipynb"}
    assert any("graded from cosine.py" in n and "work.ipynb also defines" in n
               for n in intake.notes)
    assert "momentum: graded from work.ipynb, cell 3" in intake.notes
    assert not list(tmp_path.glob("*.ipynb"))  # the notebooks are not left in the graded tree


def test_two_notebooks_defining_one_api_say_which_was_used(tmp_path):
    _write(tmp_path, "a.ipynb", "class MomentumGradientDescent:\n    pass")
    _write(tmp_path, "b.ipynb", MOMENTUM)
    intake = build_exercise_modules(tmp_path, API)
    assert intake.sources["momentum"] == "b.ipynb"
    assert any("a.ipynb, b.ipynb all define" in n and "graded from b.ipynb" in n
               for n in intake.notes)


def test_bad_notebooks_lose_nothing_else_and_alone_are_not_graded(tmp_path):
    good = tmp_path / "good"
    _write(good, "work.ipynb", COSINE)
    (good / "broken.ipynb").write_text('{"cells": [', encoding="utf-8")
    (good / "old.ipynb").write_text(json.dumps({"nbformat": 2, "worksheets": []}))
    intake = build_exercise_modules(good, API)
    assert intake.status is SubmissionStatus.OK and intake.sources == {"cosine": "work.ipynb"}
    assert any(n.startswith("broken.ipynb: invalid JSON") for n in intake.notes)
    assert any(n.startswith("old.ipynb: unsupported notebook format: nbformat v2")
               for n in intake.notes)
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "broken.ipynb").write_text("{", encoding="utf-8")
    prepared = prepare_submission(alone, tmp_path / "prepared", api=API)
    assert prepared.status is SubmissionStatus.INVALID_NOTEBOOK
    assert "broken.ipynb: invalid JSON" in prepared.message


def test_a_single_notebook_file_is_a_submission(tmp_path):
    path = _write(tmp_path / "in", "my_work.ipynb", COSINE, "print('hi')")
    prepared = prepare_submission(path, tmp_path / "out", api=API)
    assert prepared.status is SubmissionStatus.OK
    assert sorted(p.name for p in prepared.path.iterdir()) == ["cosine.py"]
    assert prepared.notes[0] == "cosine: graded from my_work.ipynb, cell 2"


def test_the_api_comes_from_the_suite_templates_or_probes():
    api = graded_suite_api(ROOT)
    template = ROOT / "student_template"
    for module_path in template.glob("*.py"):
        tree = ast.parse(module_path.read_text())
        defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
        assert api.modules[module_path.stem] == defined
    toy = ROOT / "tests" / "fixtures" / "toy_suite"
    assert suite_api(toy, toy / "spec_tests" / "probes").modules == {
        "arith": {"add", "mean", "shout"}, "tens": {"scale"}}


@pytest.mark.parametrize("make, names", [(exercises_notebook, ("cosine", "momentum")),
                                         (polyfit_notebook, ("polyfit",))])
def test_seed_notebooks_give_the_definitions_of_the_same_code_as_modules(tmp_path, make,
                                                                          names):
    """Every API definition built from the filled-in seed notebook is, statement for
    statement, the one the same solution has as a module."""
    folder = notebook_submission(tmp_path / "nb")
    modules = modules_of(tmp_path / "modules")
    api = graded_suite_api(ROOT)
    build_exercise_modules(folder, api)
    for name in names:
        def definitions(path: Path) -> dict[str, str]:
            found = {}
            for node in ast.parse(path.read_text()).body:
                if isinstance(node, ast.FunctionDef | ast.ClassDef):
                    found[node.name] = ast.dump(node)  # the last one wins in both
            return found
        built, expected = definitions(folder / f"{name}.py"), definitions(modules / f"{name}.py")
        assert {n: built[n] for n in api.modules[name]} == \
            {n: expected[n] for n in api.modules[name]}
        run_ok = top_level_kinds((folder / f"{name}.py").read_text())
        assert run_ok <= {ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef, ast.Assign,
                          ast.Try}
    assert (REFERENCE / "polyfit_compiled.py").read_text() == \
        (folder / "polyfit_compiled.py").read_text()


def test_a_notebook_whose_suffix_is_upper_case_is_read_and_removed(tmp_path):
    """``HW.IPYNB`` (saved by a Windows tool) is a notebook like ``hw.ipynb``."""
    _write(tmp_path, "HW.IPYNB", COSINE)
    intake = build_exercise_modules(tmp_path, API)
    assert intake.sources == {"cosine": "HW.IPYNB"}
    assert "cosine: graded from HW.IPYNB, cell 2" in intake.notes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cosine.py"]


def test_display_left_in_a_function_works_as_in_a_kernel(capsys):
    """IPython gives a kernel ``display`` without an import; the built module has one."""
    built = module("import torch", "def cosine_similarity(x, y):\n    display(x)\n"
                   "    return torch.dot(x, y)")
    assert not built.problems
    import torch

    value = run(built.text)["cosine_similarity"](torch.ones(2), torch.ones(2))
    assert float(value) == 2.0 and "tensor([1., 1.])" in capsys.readouterr().out
    assert "def display" not in module("import torch", COSINE).text


def test_each_line_of_a_built_module_is_traced_to_its_cell_and_line():
    from grader.intake.extract import cell_line

    built = module("import torch\n\n\n@staticmethod\ndef helper(v):\n    return torch.t(v)",
                   "%matplotlib inline\ndef cosine_similarity(x, y):\n    return helper(x)")
    lines = built.text.split("\n")
    where = {lines[n - 1].strip(): cell_line(built.text, n) for n in range(1, len(lines) + 1)}
    assert where["import torch"] == ("nb.ipynb", "cell 1", 1)
    assert where["@staticmethod"] == ("nb.ipynb", "cell 1", 4)
    assert where["return torch.t(v)"] == ("nb.ipynb", "cell 1", 6)
    assert where["return helper(x)"] == ("nb.ipynb", "cell 2", 3)
    assert cell_line("import torch\n", 1) is None


def test_python_code_saved_as_a_notebook_is_read_as_one_cell(tmp_path):
    """A ``.py`` renamed ``.ipynb`` (or saved under that name by an editor) is graded;
    a text that is neither a notebook nor Python is refused as invalid JSON."""
    (tmp_path / "hw.ipynb").write_text("\ufeff" + COSINE.replace("\n", "\r\n") + "\r\n\r\n"
                                       "print(cosine_similarity(1, 2))\r\n", encoding="utf-8")
    (tmp_path / "notes.ipynb").write_text("my answers are below", encoding="utf-8")
    intake = build_exercise_modules(tmp_path, API)
    assert intake.status is SubmissionStatus.OK and intake.sources == {"cosine": "hw.ipynb"}
    assert any(n.startswith("hw.ipynb: Python code, not a notebook") for n in intake.notes)
    assert any(n.startswith("notes.ipynb: invalid JSON") for n in intake.notes)
    built = (tmp_path / "cosine.py").read_text()
    assert "def cosine_similarity" in built and "print" not in built


def test_a_definition_above_the_graded_one_that_ran_later_is_pointed_out(tmp_path):
    """The kernel held cell 2's function (run last, In [9]); grading takes the last in the
    notebook, as Restart & Run All does, and the note says so with both cells."""
    nb = new_notebook(cells=[new_code_cell("import torch", execution_count=1),
                             new_code_cell(COSINE, execution_count=9),
                             new_code_cell("def cosine_similarity(x, y):\n    return 0",
                                           execution_count=3),
                             new_code_cell(MOMENTUM, execution_count=4),
                             new_code_cell(MOMENTUM, execution_count=None)])
    nbformat.write(nb, str(tmp_path / "work.ipynb"))
    intake = build_exercise_modules(tmp_path, API)
    assert "return 0" in (tmp_path / "cosine.py").read_text()
    ran_later = [n for n in intake.notes if "ran later" in n]
    assert len(ran_later) == 1 and ran_later[0].startswith(
        "cosine: work.ipynb: cosine_similarity is graded from cell 3 (In [3])")
    assert "cell 2 above it defines it too and ran later (In [9])" in ran_later[0]


def test_notebooks_in_the_one_folder_beside_a_readme_are_graded(tmp_path):
    _write(tmp_path / "sub" / "hw1", "work.ipynb", COSINE)
    _write(tmp_path / "sub" / "hw1", "more.ipynb", MOMENTUM)
    (tmp_path / "sub" / "README.md").write_text("see hw1")
    prepared = prepare_submission(tmp_path / "sub", tmp_path / "out", api=API)
    assert prepared.status is SubmissionStatus.OK
    assert sorted(p.name for p in prepared.path.iterdir()) == ["cosine.py", "momentum.py"]
    assert prepared.notes[:2] == ["graded the files in hw1/, the one folder holding code; "
                                  "not graded: README.md", "cosine: graded from work.ipynb, cell 2"]


def test_an_assignment_reads_notebooks_for_its_own_exercises_only(tmp_path):
    """``--assignment exercises``: no note about polyfit or mlp, which it does not grade."""
    from grader.assignment import Assignment
    from grader.run.runner import assignment_api

    api = assignment_api(ROOT, Assignment("exercises", ("cosine", "momentum")))
    assert set(api.modules) == {"cosine", "momentum"}
    assert assignment_api(ROOT, Assignment()) == graded_suite_api(ROOT)
    _write(tmp_path, "work.ipynb", COSINE)
    notes = build_exercise_modules(tmp_path, api).notes
    assert notes == ["cosine: graded from work.ipynb, cell 2",
                     "momentum: no momentum.py, and no notebook defines GradientDescent, "
                     "MomentumGradientDescent"]


def test_definitions_under_a_main_guard_exist_as_they_do_in_a_kernel():
    """In a kernel ``__name__`` is ``"__main__"``; the built module is imported as
    ``cosine``, where the guard would hide the definition."""
    built = module("import torch\nif __name__ == '__main__':\n    def cosine_similarity(x, y):"
                   "\n        return torch.dot(x, y)\nelse:\n    def cosine_similarity(x, y):\n"
                   "        return 0")
    namespace: dict = {"__name__": "cosine"}
    exec(compile(built.text, "cosine.py", "exec"), namespace)
    import torch

    assert float(namespace["cosine_similarity"](torch.ones(2), torch.ones(2))) == 2.0
    assert namespace["__name__"] == "cosine"


def test_a_writefile_cell_writes_its_module_as_running_the_notebook_does(tmp_path):
    """``%%writefile cosine.py`` then ``from cosine import ...``: the kernel's function came
    from the file the cell wrote (built from the notebook, the module imported itself);
    ``-a`` appends, and a file the submission holds is kept."""
    _write(tmp_path, "work.ipynb", "%%writefile cosine.py\n" + COSINE,
           "%%writefile -a cosine.py\n\nEPS = 1e-12",
           "from cosine import cosine_similarity\ncosine_similarity(1, 2)",
           "%%writefile helpers.py\nX = 1", "%%writefile ../escape.py\nX = 2")
    (tmp_path / "helpers.py").write_text("X = 0\n")
    intake = build_exercise_modules(tmp_path, API)
    assert (tmp_path / "cosine.py").read_text() == COSINE + "\n\nEPS = 1e-12\n"
    assert (tmp_path / "helpers.py").read_text() == "X = 0\n"
    assert not (tmp_path.parent / "escape.py").exists()
    assert intake.sources["cosine"] == "cosine.py"
    assert "cosine.py: written by work.ipynb, cell 3 (%%writefile), as running the notebook " \
           "does" in intake.notes
    namespace = run((tmp_path / "cosine.py").read_text())
    assert "cosine_similarity" in namespace and namespace["EPS"] == 1e-12


def test_a_name_no_cell_defines_is_named_before_it_fails_every_test():
    """``%run utils.py`` made ``dot`` in the kernel; grading runs no magic: the note names
    the function, its cell and the name. Builtins, imports and star imports are not named."""
    built = module("%run utils.py", "import torch\ndef cosine_similarity(x, y):\n"
                   "    return dot(x, y) / len(x) + torch.pi")
    assert [p.kind for p in built.problems] == [ProblemKind.UNDEFINED]
    assert built.problems[0].message.startswith("cosine_similarity (cell 2) uses dot, which "
                                                "no cell defines or imports")
    assert not built.problems[0].fatal
    assert not module("from torch import *", "def cosine_similarity(x, y):\n"
                      "    return dot(x, y)").problems


def test_a_notebook_without_code_cells_is_called_empty(tmp_path):
    nbformat.write(new_notebook(cells=[new_markdown_cell("# Homework 1")]),
                   str(tmp_path / "hw.ipynb"))
    intake = build_exercise_modules(tmp_path, API)
    assert intake.status is SubmissionStatus.OK and not intake.sources
    assert "hw.ipynb has no code cells (saved before the work was done, or an empty copy?)" \
        in intake.notes
