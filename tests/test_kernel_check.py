"""``from grader import check; check("...")`` in a real notebook kernel: the score and the
failures of what the kernel holds, shown as the cell's output; a hang or a crash of the
student's code never takes the kernel down; ``import grader`` stays light."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import kernels
import pytest
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
TOY = ROOT / "tests" / "fixtures" / "toy_suite"
ARITH = ("import numpy as np\n\ndef add(a, b):\n    return a + b\n\ndef mean(xs):\n"
         "    return float(np.mean(xs))\n\ndef shout(s):\n    return s.upper()")


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with kernels.kernel_spec(tmp_path_factory.mktemp("jupyter")) as name:
        yield name


def _run(cwd: Path, *cells: str):
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    kernels.execute(nb, cwd)
    return nb.cells


def test_import_grader_pulls_neither_ipython_nor_the_notebook_machinery():
    code = ("import sys, grader\nfrom grader import check\n"
            "print(sorted(m for m in ('IPython', 'nbformat', 'jinja2', 'grader.kernel_check') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.strip() == "[]"


def test_check_outside_a_kernel_says_what_to_do_instead():
    from grader.kernel_check import NotInKernel, kernel_cells

    with pytest.raises(NotInKernel, match="pytest"):
        kernel_cells()


@pytest.mark.slow
def test_check_scores_what_the_kernel_holds_now(kernel, tmp_path):
    """The last definition run wins (even if the cell above is wrong), the cells need no
    file, and the output is HTML for Jupyter with a text alternative."""
    cells = _run(ROOT,
                 "import torch\ndef cosine_similarity(x, y):\n    return torch.dot(x, y)",
                 "from grader import check\ncheck('cosine')",
                 "def cosine_similarity(x, y):\n    return torch.dot(x, y) / (x.norm() * "
                 "y.norm())",
                 "check('cosine')",
                 "report = check('cosine')\nprint(report.score == report.max_score)")
    wrong, right, last = cells[1], cells[3], cells[4]
    assert "gradspec check: Score: " in kernels.text_of(wrong)
    assert "Score: 20 / 20" not in kernels.text_of(wrong)
    assert "FAILED cosine:" in kernels.text_of(wrong)
    assert "hint:" in kernels.text_of(wrong)  # the failure's own message, in full
    assert "<details" in kernels.text_of(wrong, "text/html")
    assert "gradspec check: Score: 20 / 20 public points" in kernels.text_of(right)
    assert "Score 20 / 20 public points" in kernels.text_of(right, "text/html")
    assert "cosine: graded from this notebook, In [1], In [3]" in kernels.text_of(right)
    assert kernels.text_of(last).strip().endswith("True")


@pytest.mark.slow
def test_a_hang_or_a_crash_costs_the_check_never_the_kernel(kernel):
    cells = _run(TOY, ARITH,
                 "def add(a, b):\n    while True:\n        pass",
                 "from grader import check\ncheck('arith', timeout=20)",
                 "def add(a, b):\n    import os\n    os._exit(3)",
                 "check('arith')",
                 "print('kernel alive', 6 * 7)")
    assert "did not finish within 20 s" in kernels.text_of(cells[2])
    assert "stopped before the end (exit status 3)" in kernels.text_of(cells[4])
    assert "kernel alive 42" in kernels.text_of(cells[5])


def test_check_names_the_exercises_it_knows(monkeypatch):
    from grader.kernel_check import check

    monkeypatch.chdir(TOY)
    with pytest.raises(ValueError, match="choose one of arith, tens"):
        check("cosine", cells=[])


def test_a_module_a_writefile_cell_wrote_is_the_one_checked(monkeypatch):
    """``%%writefile arith.py`` then ``from arith import ...``: the kernel's functions came
    from the file the cell wrote (as IPython's history holds the cell)."""
    from grader.intake.extract import Source
    from grader.kernel_check import check, written_in_kernel

    cells = [Source("In [1]", f"get_ipython().run_cell_magic('writefile', 'arith.py', "
                              f"{ARITH + chr(10)!r})"),
             Source("In [2]", "from arith import add, mean, shout\nadd(1, 2)")]
    assert written_in_kernel(cells) == {"arith.py": ARITH + "\n"}
    monkeypatch.chdir(TOY)
    report = check("arith", cells=cells)
    assert report.score == report.max_score > 0
    assert "arith.py: as your %%writefile cell wrote it" in str(report)
