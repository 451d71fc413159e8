"""Public spec tests of ``nonconvex_gd.py``: the lecture's ``gradient_descent(objective,
step_size=0.05, max_iter=100, init=0.0) -> (theta_arr, obj_arr)``.

Expectations come from a float64 oracle of the lecture's recurrence with the objectives'
closed-form derivatives, from a closed-form trajectory on a quadratic, and from a check of
every step against the derivative at the submission's own iterate. The lecture's claim about
the run from -3.5 ("0.05 doesn't escape, 0.07 does, 0.15 gets much closer") is tested as it
turned out to be (see :data:`CLAIM`). The lecture's loop runs on the CPU and returns numpy
arrays of float32 (``torch.tensor(init)``), so there is no device or dtype to choose: every
case is a CPU float32 case. The objective is rebuilt next to the submission by the probe
(``spec_tests/probes/nonconvex_gd.py``).
"""

from __future__ import annotations

import numpy as np
import pytest

from spec_tests.checks import Overrides, check_close, fail
from spec_tests.support.nonconvex_gd import (
    HINT_ARRAYS,
    HINT_COPY,
    HINT_LOOP,
    LECTURE,
    check_run,
    gd_call,
    objective_slope,
    objective_value,
    oracle_gd,
    run_submission,
)

#: Tolerance overrides of this module's checks (the others use checks.TOLERANCES): float32
#: iterates drift from the float64 oracle by up to ~1e-5 over 100 steps of size ~1.
TOL = Overrides({
    "trajectory": {"float32": (2e-4, 2e-4)},
    "one step": {"float32": (1e-5, 1e-6)},
})

#: What the lecture's run from -3.5 (100 iterations) does, checked with the oracle below:
#: all three parts of the claim hold, but only 0.07 converges. 0.05 stays in the basin it
#: starts in, ending in a 2-cycle between -3.296 and -2.855 around the local minimum at
#: -3.1215; 0.07 leaves it and settles at the next local minimum, -1.5292 (objective 1.550),
#: not the global one; 0.15 ends in a 2-cycle between 0.1115 and -0.2950 around the global
#: minimum at 0 (objective 0.26 to 0.32): the kink of 2|theta| keeps a fixed step from settling.
CLAIM = {
    "0.05": "stays in the starting basin",
    "0.07": "escapes, converges to the local minimum at -1.5292",
    "0.15": "escapes, ends within 0.3 of the global minimum 0",
}
#: The lecture objective's local maxima left of 0 (the basins' edges) and local minima.
BASIN_EDGES = (-3.9742, -2.4333, -0.9776)
LOCAL_MINIMUM_NEXT = -1.5292


def _claim_problems(theta: np.ndarray, obj: np.ndarray, step: str) -> list[str]:
    """What in a run from -3.5 contradicts the truth about the claim for ``step``."""
    low, high, _ = BASIN_EDGES
    final, last = float(theta[-1]), theta[-10:]
    if step == "0.05":
        if not (low < theta.min() and theta.max() < high):
            return [f"the iterates range over [{theta.min():.4f}, {theta.max():.4f}], but stay "
                    f"inside the starting basin ({low}, {high}) with step 0.05"]
    elif step == "0.07":
        if not theta.max() > high:
            return [f"theta never passes {high}, but escapes the starting basin with step 0.07"]
        if not np.all(np.abs(last - LOCAL_MINIMUM_NEXT) < 1e-3):
            return [f"the last 10 iterates are {np.round(last, 4).tolist()}, but converge to the "
                    f"local minimum at {LOCAL_MINIMUM_NEXT} with step 0.07"]
    elif not (abs(final) < 0.3 and float(obj[-1]) < 0.33):
        return [f"the run ends at theta = {final:.4f} (objective {float(obj[-1]):.4f}), but ends "
                "within 0.3 of the global minimum 0 (objective < 0.33) with step 0.15"]
    return []


@pytest.mark.points(5)
@pytest.mark.convergence
@pytest.mark.parametrize("step", ["0.05", "0.07", "0.15"])
def test_gd_lecture_runs(subject, step):
    """The lecture's runs from -3.5, 100 iterations, steps 0.05, 0.07 and 0.15: every iterate
    and objective value equal the float64 oracle's."""
    kwargs = {"step_size": float(step), "max_iter": 100, "init": -3.5}
    call = gd_call(LECTURE, **kwargs)
    got = run_submission(subject, LECTURE, call, **kwargs)
    check_run(got, oracle_gd(LECTURE, **kwargs), call, TOL("trajectory", "float32"))


@pytest.mark.points(4)
@pytest.mark.convergence
@pytest.mark.parametrize("step", list(CLAIM))
def test_gd_lecture_claim(subject, step):
    """The lecture's claim as it is true: from -3.5, step 0.05 stays in its basin, 0.07
    escapes to the next local minimum (-1.529), 0.15 ends near the global minimum 0."""
    kwargs = {"step_size": float(step), "max_iter": 100, "init": -3.5}
    expected = oracle_gd(LECTURE, **kwargs)
    assert not _claim_problems(*expected, step), "the oracle no longer shows the claim's truth"
    call = gd_call(LECTURE, **kwargs)
    got = run_submission(subject, LECTURE, call, **kwargs)
    check_close(got[0][-10:], expected[0][-10:].astype(np.float32), call=call,
                what="the last 10 iterates", tol=TOL("trajectory", "float32"), hint=HINT_LOOP)
    problems = _claim_problems(*got, step)
    if problems:
        fail(call, f"the run does not do what it should ({CLAIM[step]})", problems, HINT_LOOP)


@pytest.mark.points(3)
@pytest.mark.values
@pytest.mark.parametrize("max_iter", [0, 1, 7])
def test_gd_arrays(subject, max_iter):
    """A pair of float32 numpy arrays of max_iter + 1 values: theta_arr[0] = init and
    obj_arr[0] = objective(init), then one entry per iteration."""
    kwargs = {"step_size": 0.05, "max_iter": max_iter, "init": 1.3}
    call = gd_call(LECTURE, **kwargs)
    got = run_submission(subject, LECTURE, call, **kwargs)
    check_run(got, oracle_gd(LECTURE, **kwargs), call, TOL("trajectory", "float32"),
              HINT_ARRAYS)


@pytest.mark.points(3)
@pytest.mark.convergence
def test_gd_quadratic(subject):
    """(theta - 1)^2 from 3 with step 0.1: theta_k = 1 + 2 * 0.8^k exactly, obj_k =
    (theta_k - 1)^2."""
    terms = [("square", 1.0, 1.0)]
    kwargs = {"step_size": 0.1, "max_iter": 20, "init": 3.0}
    call = gd_call(terms, **kwargs)
    theta = 1 + 2 * 0.8 ** np.arange(21)
    check_run(run_submission(subject, terms, call, **kwargs), (theta, (theta - 1) ** 2), call,
              TOL("trajectory", "float32"),
              "each step is theta -= step_size * d/dtheta (theta - 1)^2 = 2 (theta - 1): zero "
              "the gradient every iteration (it accumulates otherwise) and keep the sign.")


@pytest.mark.points(2)
@pytest.mark.values
def test_gd_defaults(subject):
    """gradient_descent(objective) uses step_size=0.05, max_iter=100 and init=0.0."""
    call = gd_call(LECTURE) + " (the defaults: step_size=0.05, max_iter=100, init=0.0)"
    got = run_submission(subject, LECTURE, call)
    check_run(got, oracle_gd(LECTURE, 0.05, 100, 0.0), call, TOL("trajectory", "float32"),
              "keep the lecture's defaults: step_size=0.05, max_iter=100, init=0.0.")


@pytest.mark.points(3)
@pytest.mark.gradients
def test_gd_every_step(subject):
    """Every step is theta[k+1] = theta[k] - step * f'(theta[k]) at the submission's own
    iterates (f' in closed form), and obj[k] = f(theta[k])."""
    terms = [("sin", 1.5, 2.0), ("square", 0.3, 0.5), ("theta_cos", 0.2, 3.0)]
    kwargs = {"step_size": 0.1, "max_iter": 30, "init": -1.0}
    call = gd_call(terms, **kwargs)
    theta, obj = run_submission(subject, terms, call, **kwargs)
    if theta.shape != (31,) or obj.shape != (31,):
        fail(call, f"theta_arr.shape={theta.shape}, obj_arr.shape={obj.shape}, but both should "
             "be (31,)", hint=HINT_ARRAYS)
    if float(theta[0]) != float(np.float32(kwargs["init"])):
        fail(call, f"theta_arr[0] = {theta[0]!r}, but should be init = {kwargs['init']}",
             hint=HINT_ARRAYS)
    t64 = theta.astype(np.float64)
    step = t64[:-1] - kwargs["step_size"] * objective_slope(terms, t64[:-1])
    check_close(theta[1:], step.astype(np.float32), call=call,
                what="theta_arr[k+1] vs theta_arr[k] - step_size * f'(theta_arr[k])",
                tol=TOL("one step", "float32"), hint=HINT_LOOP + " " + HINT_COPY)
    check_close(obj, objective_value(terms, t64).astype(np.float32), call=call,
                what="obj_arr[k] vs objective(theta_arr[k])", tol=TOL("one step", "float32"),
                hint="record objective(theta) after each update, of the theta just recorded.")
