"""A one-exercise spec suite ("adder") built in a temp folder, for the harness's own tests:
small and fast, with the layout of the real suite (spec_tests/, probes, reference/,
student_template/, hidden tests, a mutant written as an override of the reference, and an
alternative)."""

from __future__ import annotations

import textwrap
from pathlib import Path

PROBE = "def add(mod, a, b):\n    return mod.add(a, b)\n"

PUBLIC_TESTS = '''
import pytest

NO_GPU = pytest.mark.skipif(True, reason="CUDA is not available on this machine")


@pytest.mark.points(3)
@pytest.mark.values
@pytest.mark.parametrize("a, b", [(1, 2), (0, 0), (-1, 5)], ids=["small", "zeros", "negative"])
def test_add(subject, a, b):
    """Adds two integers."""
    got = subject.call("adder.add", a=a, b=b)
    assert got == a + b, f"add({a}, {b}) returned {got!r}, expected {a + b}"


@pytest.mark.points(1)
@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=NO_GPU)])
def test_add_zero(subject, device):
    assert subject.call("adder.add", a=7, b=0) == 7
'''

HIDDEN_TESTS = '''
import random

import pytest


@pytest.mark.points(2)
def test_add_random(subject, grading_seed):
    rng = random.Random(grading_seed)
    a, b = rng.randint(-100, 100), rng.randint(-100, 100)
    assert subject.call("adder.add", a=a, b=b) == a + b
'''

REFERENCE = "def add(a, b):\n    return a + b\n"


def mutant(mistake: str, body: str) -> str:
    """A mutant's module: an override of the reference's ``add`` (see grader.corpus)."""
    return f'"""Mutant: {mistake}."""\n\n\ndef add(a, b):\n    {body}\n'


def build_suite(root: Path, *, good_corpus: bool = True) -> Path:
    """A one-exercise suite with the layout ``grader validate`` expects."""
    files = {
        "pytest.ini": """
            [pytest]
            gradspec_probes = spec_tests/probes
            gradspec_categories = values
            markers = values: checks returned values
            """,
        "spec_tests/__init__.py": "",
        "spec_tests/hidden/__init__.py": "",
        "spec_tests/probes/adder.py": PROBE,
        "spec_tests/test_adder.py": PUBLIC_TESTS,
        "spec_tests/hidden/test_adder.py": HIDDEN_TESTS,
        "reference/adder.py": REFERENCE,
        "student_template/adder.py":
            "def add(a, b):\n    raise NotImplementedError('write add')\n",
        "tests/mutants/adder/ignores_b/adder.py": mutant("drops b", "return a"),
        "tests/mutants/adder/ignores_b/CATCHES": "# b is dropped\ntest_add\ntest_add_random\n",
        "tests/alternatives/adder/via_sum/adder.py": "def add(a, b):\n    return sum((a, b))\n",
    }
    if not good_corpus:
        files.update({
            # identical to the reference: nothing can catch it
            "tests/mutants/adder/survivor/adder.py": mutant("none: the reference's add",
                                                            "return a + b"),
            "tests/mutants/adder/survivor/CATCHES": "# survives\ntest_add\n",
            # caught, but CATCHES names a test that does not exist
            "tests/mutants/adder/typo/adder.py": mutant("subtracts", "return a - b"),
            "tests/mutants/adder/typo/CATCHES": "# subtracts\ntest_addd\n",
            # right only where b == 0, so test_add_zero cannot fail on it
            "tests/mutants/adder/wrong_test/adder.py":
                mutant("subtracts unless b == 0", "return a if b == 0 else a - b"),
            "tests/mutants/adder/wrong_test/CATCHES": "# doubles a\ntest_add_zero\n",
            "tests/alternatives/adder/off/adder.py": "def add(a, b):\n    return a + b + 1\n",
        })
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return root
