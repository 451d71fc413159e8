"""Hidden spec tests of ``nonconvex_gd.py``: objectives, starts, steps and iteration counts
drawn from the grading seed, expectations from ``reference/nonconvex_gd.py`` run in this
process on the same objective.

A draw is kept only when its run is well conditioned: the reference's float32 run agrees with
the float64 oracle to a twentieth of the tolerance, and no iterate comes near a kink of an
abs term (where float32 rounding could send a correct run down another branch).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from grader.memo import submission_independent
from reference.nonconvex_gd import gradient_descent as reference_gd
from spec_tests.checks import Overrides
from spec_tests.probes.nonconvex_gd import Terms, build
from spec_tests.support.nonconvex_gd import check_run, gd_call, kinks, oracle_gd, run_submission

#: Tolerance overrides of this module's checks (the others use checks.TOLERANCES).
TOL = Overrides({"trajectory": {"float32": (2e-4, 2e-4)}})


def _uniform(gen: torch.Generator, low: float, high: float) -> float:
    return round(float(torch.empty((), dtype=torch.float64).uniform_(low, high, generator=gen)),
                 4)


def _candidate(gen: torch.Generator, short: bool) -> tuple[Terms, dict[str, Any]]:
    terms = [("theta_cos", _uniform(gen, 0.2, 1.5), _uniform(gen, 1.0, 5.0)),
             ("abs", _uniform(gen, 0.5, 2.5), _uniform(gen, -0.5, 0.5)),
             ("square", _uniform(gen, 0.0, 0.3), _uniform(gen, -1.0, 1.0)),
             ("sin", _uniform(gen, -1.0, 1.0), _uniform(gen, 0.5, 3.0))]
    max_iter = int(torch.randint(0, 4, (1,), generator=gen)) if short else \
        int(torch.randint(20, 121, (1,), generator=gen))
    return terms, {"step_size": _uniform(gen, 0.005, 0.05), "max_iter": max_iter,
                   "init": _uniform(gen, -3.0, 3.0)}


def _well_conditioned(terms: Terms, kwargs: dict[str, Any]) -> bool:
    theta32, _ = reference_gd(build(terms), **kwargs)
    theta64, _ = oracle_gd(terms, **kwargs)
    rtol, atol = TOL("trajectory", "float32").rtol, TOL("trajectory", "float32").atol
    agree = np.all(np.abs(theta32 - theta64) <= (atol + rtol * np.abs(theta64)) / 20)
    clear = all(np.all(np.abs(theta64 - k) > 1e-3) for k in kinks(terms))
    return bool(agree and clear)


@submission_independent
def _draw(grading_seed: int, salt: int, short: bool = False) -> tuple[Terms, dict[str, Any]]:
    """A random objective and run from the seed, the first well-conditioned one."""
    gen = torch.Generator().manual_seed(grading_seed * 7919 + salt)
    for _ in range(100):
        terms, kwargs = _candidate(gen, short)
        if _well_conditioned(terms, kwargs):
            return terms, kwargs
    raise AssertionError("no well-conditioned draw in 100: the suite's draws need fixing")


@submission_independent
def _reference(terms: Terms, kwargs: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    theta, obj = reference_gd(build(terms), **kwargs)
    return theta.astype(np.float64), obj.astype(np.float64)


@pytest.mark.points(3)
@pytest.mark.convergence
@pytest.mark.parametrize("draw", [1, 2, 3], ids=lambda d: f"draw{d}")
def test_gd_hidden_runs(subject, grading_seed, draw):
    """Random objectives, starts and steps: the whole run equals the reference's."""
    terms, kwargs = _draw(grading_seed, draw)
    call = gd_call(terms, **kwargs)
    got = run_submission(subject, terms, call, **kwargs)
    check_run(got, _reference(terms, kwargs), call, TOL("trajectory", "float32"))


@pytest.mark.points(2)
@pytest.mark.values
@pytest.mark.parametrize("draw", [4, 5], ids=lambda d: f"draw{d}")
def test_gd_hidden_short_runs(subject, grading_seed, draw):
    """Runs of 0 to 3 iterations from random starts: the arrays equal the reference's."""
    terms, kwargs = _draw(grading_seed, draw, short=True)
    call = gd_call(terms, **kwargs)
    got = run_submission(subject, terms, call, **kwargs)
    check_run(got, _reference(terms, kwargs), call, TOL("trajectory", "float32"))
