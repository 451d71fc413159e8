"""What the nonconvex_gd tests share: hints, the call of a failure message, the submission's
run and the checks of its arrays, and a float64 oracle of the lecture's loop with the
objectives' closed-form derivatives."""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.memo import submission_independent
from spec_tests.checks import Tol, check_close, fail
from spec_tests.probes.nonconvex_gd import TERMS, Terms

#: The lecture's objective: theta cos(4 theta) + 2 |theta|.
LECTURE = [("theta_cos", 1.0, 4.0), ("abs", 2.0, 0.0)]

HINT_LOOP = ("the lecture's loop: theta = torch.tensor(init, requires_grad=True); then "
             "max_iter times: zero theta.grad (when it exists), out = objective(theta), "
             "out.backward(), and under torch.no_grad() theta -= step_size * theta.grad; record "
             "theta and objective(theta) at the start and after every update.")
HINT_COPY = ("record a copy of theta (theta.detach().numpy().copy()): without .copy() every "
             "entry is a view of the same tensor, which ends at the last iterate.")
HINT_ARRAYS = ("return (theta_arr, obj_arr): two numpy arrays of max_iter + 1 float32 values "
               "(torch.tensor(init) is float32, as in the lecture), the start included.")


def _value(name: str, t: np.ndarray, a: float, b: float) -> np.ndarray:
    if name == "theta_cos":
        return a * t * np.cos(b * t)
    if name == "abs":
        return a * np.abs(t - b)
    if name == "square":
        return a * (t - b) ** 2
    return a * np.sin(b * t)


def _slope(name: str, t: np.ndarray, a: float, b: float) -> np.ndarray:
    """d/dtheta of a term; |theta - b| has slope 0 at its kink, as torch's abs has."""
    if name == "theta_cos":
        return a * (np.cos(b * t) - b * t * np.sin(b * t))
    if name == "abs":
        return a * np.sign(t - b)
    if name == "square":
        return 2 * a * (t - b)
    return a * b * np.cos(b * t)


assert {"theta_cos", "abs", "square", "sin"} == set(TERMS), "every term needs its derivative"


def objective_value(terms: Terms, theta: Any) -> np.ndarray:
    """The objective at ``theta`` in float64."""
    t = np.asarray(theta, dtype=np.float64)
    return sum(_value(str(n), t, float(a), float(b)) for n, a, b in terms)


def objective_slope(terms: Terms, theta: Any) -> np.ndarray:
    """The objective's derivative at ``theta`` in float64 (closed form)."""
    t = np.asarray(theta, dtype=np.float64)
    return sum(_slope(str(n), t, float(a), float(b)) for n, a, b in terms)


@submission_independent
def oracle_gd(terms: Terms, step_size: float, max_iter: int, init: float
              ) -> tuple[np.ndarray, np.ndarray]:
    """The lecture's recurrence in float64 with the closed-form derivative, from init as
    float32 rounds it: (theta_arr, obj_arr), max_iter + 1 each."""
    theta = np.empty(max_iter + 1)
    theta[0] = float(np.float32(init))
    for k in range(max_iter):
        theta[k + 1] = theta[k] - step_size * objective_slope(terms, theta[k])
    return theta, objective_value(terms, theta)


def kinks(terms: Terms) -> list[float]:
    """Where the objective is not differentiable (the abs terms' kinks)."""
    return [float(b) for name, _, b in terms if name == "abs"]


def objective_text(terms: Terms) -> str:
    """``objective(theta) = 1*theta*cos(4*theta) + 2*|theta - 0|`` for a failure message."""
    shown = {"theta_cos": "{a:g}*theta*cos({b:g}*theta)", "abs": "{a:g}*|theta - {b:g}|",
             "square": "{a:g}*(theta - {b:g})**2", "sin": "{a:g}*sin({b:g}*theta)"}
    return "objective(theta) = " + " + ".join(
        shown[str(n)].format(a=float(a), b=float(b)) for n, a, b in terms)


def gd_call(terms: Terms, **kwargs: Any) -> str:
    """The call of a failure message."""
    args = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    return f"gradient_descent(objective{args}) with {objective_text(terms)}"


def run_submission(subject: Any, terms: Terms, call: str, **kwargs: Any
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The submission's (theta_arr, obj_arr), each checked to be a float32 ndarray of
    ``length`` values."""
    __tracebackhide__ = True
    got = subject.call("nonconvex_gd.run", terms=[list(t) for t in terms], **kwargs)
    if got["length"] != 2:
        fail(call, f"returned {got['type']}"
             + (f" of {got['length']} items" if got["length"] is not None else "")
             + ", but should return a pair (theta_arr, obj_arr)", hint=HINT_ARRAYS)
    for name, type_name in zip(("theta_arr", "obj_arr"), got["types"], strict=True):
        if type_name != "numpy.ndarray":
            fail(call, f"{name} is a {type_name}, but should be a numpy.ndarray",
                 hint=HINT_ARRAYS)
    for name in ("theta", "obj"):
        if got[name].dtype != np.float32:
            fail(call, f"{name}_arr.dtype={got[name].dtype}, but should be float32",
                 hint=HINT_ARRAYS)
    return got["theta"], got["obj"]


def check_run(got: tuple[np.ndarray, np.ndarray], expected: tuple[np.ndarray, np.ndarray],
              call: str, tol: Tol, hint: str = HINT_LOOP) -> None:
    """theta_arr and obj_arr equal the expected ones (shape, finite, close)."""
    __tracebackhide__ = True
    for name, g, e in zip(("theta_arr", "obj_arr"), got, expected, strict=True):
        check_close(g, np.asarray(e, dtype=np.float64).astype(np.float32), call=call, what=name,
                    tol=tol, hint=hint)
