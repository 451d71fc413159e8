"""The proof that the spec suite catches wrong code: the reference earns every point, the
template none, every mutant under ``tests/mutants/`` loses points (and fails the tests its
CATCHES file names), every alternative under ``tests/alternatives/`` earns full points.

One case per corpus folder, found by ``grader.validate`` (ids like
``mutant-momentum-velocity_on_cpu``); each case runs its own pytest subprocess, so the cases
spread over ``pytest -n 2`` workers. With no corpus yet, nothing is collected.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import validate

ROOT = Path(__file__).resolve().parents[1]
CORPUS = validate.mutant_jobs(ROOT) + validate.alternative_jobs(ROOT)

needs_suite = pytest.mark.skipif(not validate.has_spec_tests(ROOT),
                                 reason=f"no spec test module under {ROOT / validate.SPEC_DIR}")


def judge(job: validate.Job) -> validate.Verdict:
    verdict = validate.run_job(job, ROOT)
    assert verdict.ok, (f"{job.id} ({job.impl_dir.relative_to(ROOT)}): {verdict.detail} "
                        f"[{verdict.earned:g} / {verdict.possible:g} points]")
    return verdict


@pytest.mark.slow
@needs_suite
def test_reference_earns_every_point() -> None:
    verdict = judge(validate.Job("reference", ROOT / validate.REFERENCE_DIR))
    assert verdict.possible > 0 and verdict.earned == pytest.approx(verdict.possible)


@pytest.mark.slow
@needs_suite
def test_template_earns_nothing() -> None:
    verdict = judge(validate.Job("template", ROOT / validate.TEMPLATE_DIR))
    assert verdict.earned == 0.0


if CORPUS:  # an empty corpus collects no case rather than an "empty parameter set" skip

    @pytest.mark.slow
    @pytest.mark.parametrize("job", CORPUS, ids=[job.id for job in CORPUS])
    def test_corpus_member(job: validate.Job) -> None:
        verdict = judge(job)
        if job.kind == "mutant":
            assert verdict.earned < verdict.possible
        else:
            assert verdict.earned == pytest.approx(verdict.possible)
