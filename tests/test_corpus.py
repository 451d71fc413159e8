"""The proof that the spec suite catches wrong code: the reference earns every point, the
template none, every mutant under ``tests/mutants/`` loses points (and fails the tests its
CATCHES file names), every alternative under ``tests/alternatives/`` earns full points.

One case per corpus folder, found by ``grader.validate`` (ids like
``mutant-momentum-velocity_on_cpu``); each case runs its own pytest subprocess, so the cases
spread over ``pytest -n 2`` workers. With no corpus yet, nothing is collected. A mutant holds
only overrides of the reference (``grader.corpus``); the fast tests below hold the rule that
builds its implementation and the shape of every override.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from grader import corpus, scoring, validate

ROOT = Path(__file__).resolve().parents[1]
CORPUS = validate.mutant_jobs(ROOT) + validate.alternative_jobs(ROOT)

MUTANTS = validate.mutant_jobs(ROOT)
REFERENCE = ROOT / validate.REFERENCE_DIR

needs_suite = pytest.mark.skipif(not validate.has_spec_tests(ROOT),
                                 reason=f"no spec test module under {ROOT / validate.SPEC_DIR}")


def judge(job: validate.Job) -> validate.Verdict:
    verdict = validate.run_job(job, ROOT)
    points = f"{scoring.fmt_points(verdict.earned)} / {scoring.fmt_points(verdict.possible)}"
    assert verdict.ok, (f"{job.id} ({job.impl_dir.relative_to(ROOT)}): {verdict.detail} "
                        f"[{points} points]")
    return verdict


@pytest.mark.slow
@needs_suite
def test_reference_earns_every_point() -> None:
    verdict = judge(validate.Job(validate.JobKind.REFERENCE, ROOT / validate.REFERENCE_DIR))
    assert verdict.possible > 0 and verdict.earned == pytest.approx(verdict.possible)


@pytest.mark.slow
@needs_suite
def test_template_earns_nothing() -> None:
    verdict = judge(validate.Job(validate.JobKind.TEMPLATE, ROOT / validate.TEMPLATE_DIR))
    assert verdict.earned == 0.0


if CORPUS:  # an empty corpus collects no case rather than an "empty parameter set" skip

    @pytest.mark.slow
    @pytest.mark.parametrize("job", CORPUS, ids=[job.id for job in CORPUS])
    def test_corpus_member(job: validate.Job) -> None:
        verdict = judge(job)
        if job.kind is validate.JobKind.MUTANT:
            assert verdict.earned < verdict.possible
        else:
            assert verdict.earned == pytest.approx(verdict.possible)


def _load(path: Path) -> ModuleType:
    """Import ``path`` as a submission's module is imported: its folder first on sys.path."""
    folder = str(path.parent)
    sys.path.insert(0, folder)
    try:
        spec = importlib.util.spec_from_file_location(f"corpus_{path.parent.name}_{path.stem}",
                                                      path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(folder)
        for name, other in list(sys.modules.items()):  # its siblings, imported from there
            if str(Path(getattr(other, "__file__", None) or "/").parent) == folder:
                del sys.modules[name]


def test_materialize_appends_each_override_to_its_reference_module(tmp_path: Path) -> None:
    reference, entry = tmp_path / "reference", tmp_path / "mutant"
    files = {
        reference: {"__init__.py": "", "other.py": "X = 1\n",
                    "ops.py": "def add(a, b):\n    return a + b\n\n\n"
                              "def twice(a):\n    return add(a, a)\n"},
        entry: {"ops.py": '"""Mutant: drops b."""\n\n\ndef add(a, b):\n    return a\n',
                "CATCHES": "test_add\n", "extra.py": "Y = 2\n"},
    }
    for folder, contents in files.items():
        folder.mkdir()
        for name, text in contents.items():
            (folder / name).write_text(text)
    built = corpus.materialize(entry, reference, tmp_path / "built")
    assert sorted(p.name for p in built.iterdir()) == ["CATCHES", "extra.py", "ops.py", "other.py"]
    ops = _load(built / "ops.py")
    assert ops.add(2, 3) == 2 and ops.twice(5) == 5  # the last definition wins, for callers too
    assert (built / "other.py").read_text() == "X = 1\n"
    assert (built / "extra.py").read_text() == "Y = 2\n"
    with corpus.materialized(entry, reference) as folder:
        assert (folder / "ops.py").read_text() == (built / "ops.py").read_text()
    assert not folder.exists()


def test_an_override_cannot_bring_a_future_import(tmp_path: Path) -> None:
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "m.py").write_text("from __future__ import annotations\nX = 1\n")
    (tmp_path / "mutant").mkdir()
    (tmp_path / "mutant" / "m.py").write_text("from __future__ import annotations\nX = 2\n")
    with pytest.raises(ValueError, match="__future__"):
        corpus.materialize(tmp_path / "mutant", tmp_path / "reference", tmp_path / "built")


if MUTANTS:

    @pytest.mark.parametrize("job", MUTANTS, ids=[job.id for job in MUTANTS])
    def test_mutant_is_a_small_override_of_the_reference(job: validate.Job) -> None:
        """Only the definitions that make it wrong, opening with the mistake they model, of a
        module the reference has; the module it builds imports."""
        modules = sorted(job.impl_dir.glob("*.py"))
        assert modules, f"{job.id} holds no module"
        for path in modules:
            reference = REFERENCE / path.name
            assert reference.is_file(), f"{path.name} overrides no reference module"
            text = path.read_text()
            assert text.startswith(('"""Mutant: ', "# Mutant: ")), f"{path}: say the mistake first"
            assert len(text.splitlines()) < len(reference.read_text().splitlines()), (
                f"{path} is not a small override of {reference}")
            defined = {node.name for node in ast.parse(text).body
                       if isinstance(node, ast.FunctionDef | ast.ClassDef)}
            assert defined, f"{path} defines nothing"
        with corpus.materialized(job.impl_dir, REFERENCE) as built:
            for path in modules:
                _load(built / path.name)
