"""Public spec tests of ``polyfit.py``: fitting a polynomial by gradient descent.

Expectations come from the seed notebook's printed figures (first-step gradient, MSE trace,
final weights after 200 000 steps; the seed ran float32, hence dtype-aware tolerances) and from
independent oracles written here: ``np.vander`` for the powers, a float64 loop of the gradient
descent recurrence, ``np.linalg.lstsq`` for the optimum, and seed-style loops as timing
baselines. The submission is reached only through ``spec_tests/probes/polyfit.py``.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest
import torch

from spec_tests.checks import (
    Overrides,
    check_close,
    check_duration,
    check_finite,
    check_meta,
    check_shape,
    check_type,
    describe,
    describe_call,
    fail,
    value_device,
)
from spec_tests.params import DEVICES, DEVICES_AND_META, FLOAT_DTYPE_NAMES, grid
from spec_tests.support.polyfit import (
    BACKEND_DEVICE_CASES,
    HINT_AUTOGRAD,
    HINT_GRADIENT,
    HINT_POWERS,
    TORCH_BACKENDS,
    oracle_gd,
    seed_style_loop,
    train_submission,
)

# The seed's data and figures (polyfit notebook: x = linspace(0, 5, 100) as 100 x 1, y = sin x).
SEED_X = np.linspace(0, 5, 100).reshape(-1, 1)
SEED_Y = np.sin(SEED_X)
SEED_FIRST_GRADIENT = np.array([-0.27402023, 0.98929269, 7.41287669, 38.07474351, 180.01689072])
SEED_MSE_0 = 0.5265038
SEED_FINAL_MSE = 0.0079
SEED_FINAL_W = np.array([0.31165126, 0.37640169, 0.26351294, -0.21930896, 0.0283497])
SEED_STEPS, SEED_LR, SEED_DEGREE = 200_000, 1e-5, 4

HINT_KEEP = ("keep x's library, dtype and device: exponents built with dtype=x.dtype (and "
             "device=x.device for torch), no conversion to numpy, float64 or the CPU on the way.")
HINT_BEFORE = ("mse_trace[k] is the MSE of the residual used by step k, before w is updated: "
               "mse_trace[0] is the MSE of w = 0, i.e. mean(y**2).")
HINT_PLACEMENT = ("torch backends return w and mse_trace as tensors on the requested device, "
                  "w detached (w.detach()), mse_trace of shape (n_steps,): no .cpu(), .numpy(), "
                  ".item() or python lists; the numpy backend returns float64 ndarrays.")
HINT_DTYPE = ("torch backends compute in x's dtype when x is a floating tensor, in float32 "
              "when x is a numpy array (like the seed); the numpy backend in float64.")
HINT_SECONDS = "seconds is the wall time of train itself: a time.perf_counter() difference."
#: Tolerance overrides of this module's checks (the others use checks.TOLERANCES). The seed
#: ran float32, and a float32 run of many steps drifts from the float64 oracles.
TOL = Overrides({
    "powers": {"float32": (1e-5, 1e-4), "float64": (1e-7, 1e-7)},
    "first gradient": {"float32": (1e-5, 1e-5), "float64": (1e-7, 1e-7)},
    "mse trace": (1e-5, 1e-6),
    "trajectory": {"float32": (1e-4, 1e-5), "float64": (1e-7, 1e-9)},
    "backends agree": (1e-7, 1e-9),
    "seed mse": (0.0, 5e-5),
    "seed w": (0.0, 5e-4),
    "least squares": {"float32": (1e-3, 1e-4), "float64": (1e-6, 1e-8)},
})

#: ``backend-device-dtype`` cases: numpy on the CPU in float64, torch on every device.
NUMPY_CASE = grid(backend=["numpy"], device=["cpu"], dtype=["float64"])
TRAIN_CASES = NUMPY_CASE + grid(backend=TORCH_BACKENDS, device=DEVICES, dtype=FLOAT_DTYPE_NAMES)
FLOAT32_TRAIN_CASES = NUMPY_CASE + grid(backend=TORCH_BACKENDS, device=DEVICES, dtype=["float32"])


def _inputs(x: np.ndarray, y: np.ndarray, backend: str, dtype: str) -> tuple[Any, Any]:
    """numpy arrays for the numpy backend and for torch in float32 (the seed's way); float64
    tensors (on the CPU: train moves them) for torch in float64."""
    if backend != "numpy" and dtype == "float64":
        return torch.from_numpy(x), torch.from_numpy(y)
    return x, y


def _expected(values: np.ndarray, backend: str, device: str, dtype: str) -> Any:
    """An oracle's float64 values in the form the backend returns: ndarray or tensor."""
    if backend == "numpy":
        return np.asarray(values, dtype=np.float64)
    return torch.from_numpy(np.asarray(values, dtype=np.float64)).to(
        device=device, dtype=getattr(torch, dtype))


def _check_train_values(got: dict[str, Any], call: str, x: np.ndarray, y: np.ndarray,
                        n_steps: int, lr: float, degree: int, backend: str, device: str,
                        dtype: str, hint: str) -> None:
    """w and mse_trace equal the float64 recurrence's (in the backend's form and ``dtype``):
    the values a placement, dtype, argument or timing check is about."""
    __tracebackhide__ = True
    w, trace = oracle_gd(x, y, n_steps, lr, degree)
    tol = TOL("trajectory", dtype)
    check_close(got["w"], _expected(w, backend, device, dtype), call=call, what="w", tol=tol,
                hint=hint)
    check_close(got["mse_trace"], _expected(trace, backend, device, dtype), call=call,
                what="mse_trace", tol=tol, hint=hint)


def _values64(got: dict[str, Any], key: str, shape: tuple[int, ...], backend: str,
              device: str, call: str, hint: str) -> np.ndarray:
    """``got[key]`` (w or mse_trace) as float64 values, once it is the backend's type on
    ``device``, of exactly ``shape`` and finite."""
    __tracebackhide__ = True
    value = got[key]
    if backend == "numpy":
        check_type(value, np.ndarray, call=call, what=key, hint=HINT_PLACEMENT)
    else:
        check_meta(value, device=device, call=call, what=key, hint=HINT_PLACEMENT)
    check_shape(tuple(value.shape), shape, call=call, what=key, hint=hint)
    check_finite(value, call=call, what=key, hint=hint)
    return _as_numpy(value)


# ---- poly and dpoly_dw -----------------------------------------------------------------

POLY_CASES = (grid(library=["numpy"], device=["cpu"], dtype=["float64", "float32"])
              + grid(library=["torch"], device=DEVICES_AND_META, dtype=FLOAT_DTYPE_NAMES))


def _poly_inputs(library: str, device: str, dtype: str
                 ) -> list[tuple[Any, Any, np.ndarray, np.ndarray]]:
    """(x, w, x64, w64): the seed's test input and a degree-5 one, as sent and in float64."""
    pairs = [(np.linspace(-5, 5, 20).reshape(-1, 1), 0.1 * np.array([[3.0], [-2.0], [-1.5], [5]])),
             (np.linspace(-1.5, 2.0, 7).reshape(-1, 1),
              np.array([[0.5], [-1.0], [0.25], [2.0], [-0.75], [0.125]]))]
    out = []
    for x, w in pairs:
        if library == "numpy":
            out.append((x.astype(dtype), w.astype(dtype), x, w))
        else:
            tdtype = getattr(torch, dtype)
            out.append((torch.from_numpy(x).to(device=device, dtype=tdtype),
                        torch.from_numpy(w).to(device=device, dtype=tdtype), x, w))
    return out


def _check_library_value(got: Any, expected64: np.ndarray, library: str, device: str,
                         dtype: str, call: str, hint: str) -> None:
    __tracebackhide__ = True
    if library == "numpy":
        check_type(got, np.ndarray, call=call, hint=hint)
        if got.dtype != np.dtype(dtype):
            fail(call, f"result.dtype={got.dtype}, but should be {dtype} like x", hint=HINT_KEEP)
        expected = expected64.astype(dtype)
        check_close(got, expected, call=call, tol=TOL("powers", dtype), hint=hint)
        return
    tdtype = getattr(torch, dtype)
    check_meta(got, shape=expected64.shape, dtype=tdtype, device=device, call=call,
               hint=HINT_KEEP)
    check_close(got, torch.from_numpy(expected64).to(device=device, dtype=tdtype),
                call=call, tol=TOL("powers", dtype), hint=hint)


def _check_on_poly_inputs(subject: Any, name: str, oracle: Any, library: str, device: str,
                          dtype: str, hint: str) -> None:
    """``name(x, w)`` of the submission equals ``oracle(x64, w64)`` on every poly input (for
    ``meta``: on the CPU, then the same inputs on ``meta`` give the right metadata)."""
    __tracebackhide__ = True
    for x, w, x64, w64 in _poly_inputs(library, value_device(device), dtype):
        call = describe_call(name, {"x": x, "w": w})
        got = subject.call(f"polyfit.{name}", x=x, w=w)
        expected = oracle(x64, w64)
        _check_library_value(got, expected, library, value_device(device), dtype, call, hint)
        if device == "meta":
            xm, wm = x.to("meta"), w.to("meta")
            call = describe_call(name, {"x": xm, "w": wm})
            check_meta(subject.call(f"polyfit.{name}", x=xm, w=wm), shape=expected.shape,
                       dtype=getattr(torch, dtype), device="meta", call=call, hint=HINT_KEEP)


def _powers(x64: np.ndarray, w64: np.ndarray) -> np.ndarray:
    return np.vander(x64.ravel(), len(w64), increasing=True)


@pytest.mark.points(2)
@pytest.mark.values
@POLY_CASES.parametrize
def test_dpoly_dw(subject, library, device, dtype):
    """dpoly_dw(x, w): the N x (D+1) powers of x (np.vander), same library, dtype, device."""
    _check_on_poly_inputs(subject, "dpoly_dw", _powers, library, device, dtype, HINT_POWERS)


@pytest.mark.points(2)
@pytest.mark.values
@POLY_CASES.parametrize
def test_poly(subject, library, device, dtype):
    """poly(x, w) = dpoly_dw(x, w) @ w: N x 1, same library/dtype/device as x."""
    _check_on_poly_inputs(subject, "poly", lambda x64, w64: _powers(x64, w64) @ w64, library,
                          device, dtype, "poly(x, w) = sum_i w_i x**i as an N x 1 column: "
                          "dpoly_dw(x, w) @ w (a matrix product, not an elementwise one).")


# ---- train: values -------------------------------------------------------------------

def _train_on_seed_data(subject: Any, n_steps: int, backend: str, device: str, dtype: str
                        ) -> tuple[dict[str, Any], str]:
    """``n_steps`` of the submission's train on the seed's data, lr and degree."""
    __tracebackhide__ = True
    x, y = _inputs(SEED_X, SEED_Y, backend, dtype)
    return train_submission(subject, x, y, n_steps=n_steps, lr=SEED_LR, degree=SEED_DEGREE,
                            backend=backend, device=device)


def _as_numpy(value: Any) -> np.ndarray:
    return value.detach().cpu().double().numpy() if type(value) is torch.Tensor else value


@pytest.mark.points(3)
@pytest.mark.gradients
@TRAIN_CASES.parametrize
def test_train_first_gradient(subject, backend, device, dtype):
    """The first step's gradient is the seed's on every backend: w after one step = -lr * grad."""
    got, call = _train_on_seed_data(subject, 1, backend, device, dtype)
    w = _values64(got, "w", (SEED_DEGREE + 1, 1), backend, device, call, HINT_GRADIENT)
    check_close(-w.reshape(-1) / SEED_LR, SEED_FIRST_GRADIENT, call=call,
                what="first-step gradient (-w / lr after one step)",
                tol=TOL("first gradient", dtype),
                hint=HINT_GRADIENT if backend != "autograd" else HINT_GRADIENT + " "
                + HINT_AUTOGRAD)


@pytest.mark.points(1)
@pytest.mark.values
@FLOAT32_TRAIN_CASES.parametrize
def test_mse_trace_before_update(subject, backend, device, dtype):
    """mse_trace[k] is the MSE before step k's update: mse_trace[0] = mean(y**2) = 0.5265."""
    got, call = _train_on_seed_data(subject, 3, backend, device, dtype)
    _, trace = oracle_gd(SEED_X, SEED_Y, 3, SEED_LR, SEED_DEGREE)
    assert abs(trace[0] - SEED_MSE_0) < 1e-6, "the oracle no longer reproduces the seed"
    expected = _expected(trace, backend, device, dtype)
    check_close(got["mse_trace"], expected, call=call, what="mse_trace", tol=TOL("mse trace"),
                hint=HINT_BEFORE)


@pytest.mark.points(2)
@pytest.mark.convergence
@TRAIN_CASES.parametrize
def test_train_trajectory(subject, backend, device, dtype):
    """500 steps on the seed's data: the whole mse_trace and w follow the float64 recurrence."""
    n_steps = 500
    got, call = _train_on_seed_data(subject, n_steps, backend, device, dtype)
    w_expected, trace_expected = oracle_gd(SEED_X, SEED_Y, n_steps, SEED_LR, SEED_DEGREE)
    tol = TOL("trajectory", dtype)
    hint = HINT_GRADIENT + " " + (HINT_AUTOGRAD if backend == "autograd" else HINT_BEFORE)
    check_close(got["mse_trace"], _expected(trace_expected, backend, device, dtype), call=call,
                what="mse_trace", tol=tol, hint=hint)
    check_close(got["w"], _expected(w_expected, backend, device, dtype), call=call, what="w",
                tol=tol, hint=hint)


@pytest.mark.points(1)
@pytest.mark.values
def test_backends_agree(subject):
    """numpy, torch and autograd give the same w and mse_trace in float64 on the CPU."""
    x = np.linspace(-1.0, 2.0, 37).reshape(-1, 1)
    y = np.exp(-x) * np.cos(3 * x)
    kwargs = {"n_steps": 500, "lr": 0.02, "degree": 3, "device": "cpu"}
    base, base_call = train_submission(subject, x, y, backend="numpy", **kwargs)
    # Three identical wrong answers agree: the numpy one is held to the recurrence first.
    _check_train_values(base, base_call, x, y, kwargs["n_steps"], kwargs["lr"],
                        kwargs["degree"], "numpy", "cpu", "float64", HINT_GRADIENT)
    for backend in TORCH_BACKENDS:
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        got, call = train_submission(subject, xt, yt, backend=backend, **kwargs)
        for key in ("w", "mse_trace"):
            check_type(base[key], np.ndarray, call=base_call, what=key, hint=HINT_PLACEMENT)
            check_type(got[key], torch.Tensor, call=call, what=key, hint=HINT_PLACEMENT)
            check_close(got[key].detach().cpu(), torch.from_numpy(base[key]), call=call,
                        what=f"{key} (compared with the numpy backend's)",
                        tol=TOL("backends agree"),
                        hint="every backend runs the same recurrence from the same w = 0; "
                             + HINT_GRADIENT)


# ---- train: convergence ----------------------------------------------------------------

#: The seed's CPU figures once (numpy; torch on the CPU is held to the same trajectory by
#: test_train_trajectory and test_backends_agree), and its GPU runs where a GPU exists.
SEED_FIGURE_CASES = (NUMPY_CASE + grid(backend=["torch"], device=DEVICES, dtype=["float32"])
                     ).without("torch-cpu-float32")


@pytest.mark.points(2)
@pytest.mark.convergence
@pytest.mark.timeout(300)
@SEED_FIGURE_CASES.parametrize
def test_train_seed_figures(subject, backend, device, dtype):
    """The defaults (200 000 steps, lr 1e-5, degree 4) reproduce the seed: MSE 0.5265 -> 0.0079."""
    kwargs = {} if backend == "numpy" else {"backend": backend, "device": device}
    got, call = train_submission(subject, SEED_X, SEED_Y, timeout=240, **kwargs)
    hint = "are the defaults n_steps=200_000, lr=1e-5, degree=4? " + HINT_GRADIENT
    trace64 = _values64(got, "mse_trace", (SEED_STEPS,), backend, device, call, hint)
    w = _values64(got, "w", (SEED_DEGREE + 1, 1), backend, device, call, hint)
    ends = np.array([trace64[0], trace64[-1]])
    check_close(ends, np.array([SEED_MSE_0, SEED_FINAL_MSE]), call=call,
                what="[mse_trace[0], mse_trace[-1]]", tol=TOL("seed mse"),
                hint=HINT_BEFORE + " The seed ends at 0.0079 (float32: 0.00791, float64: 0.00790).")
    check_close(w.reshape(-1), SEED_FINAL_W, call=call, what="w after 200 000 steps",
                tol=TOL("seed w"), hint=HINT_GRADIENT)
    rises = np.diff(trace64) / np.maximum(np.abs(trace64[1:]), np.finfo(np.float64).tiny)
    worst_rise = float(np.max(rises))  # finite: the trace is (no 0 / 0 to hide a rise)
    if worst_rise > 1e-5:
        fail(call, f"the MSE rises during training (worst relative rise {worst_rise:.3g} at step "
             f"{int(np.argmax(np.diff(trace64))) + 1})", hint=HINT_GRADIENT)


LSQ_X = np.linspace(-1.0, 1.0, 30).reshape(-1, 1)
LSQ_Y = np.cos(2 * LSQ_X) + 0.3 * LSQ_X
LSQ_DEGREE, LSQ_LR, LSQ_STEPS = 3, 0.4, 2000


@pytest.mark.points(2)
@pytest.mark.convergence
@TRAIN_CASES.parametrize
def test_train_reaches_least_squares(subject, backend, device, dtype):
    """On a well-conditioned problem (lr 0.4, 2000 steps) w reaches np.linalg.lstsq's optimum."""
    x, y = _inputs(LSQ_X, LSQ_Y, backend, dtype)
    got, call = train_submission(subject, x, y, n_steps=LSQ_STEPS, lr=LSQ_LR,
                                 degree=LSQ_DEGREE, backend=backend, device=device)
    phi = np.vander(LSQ_X.ravel(), LSQ_DEGREE + 1, increasing=True)
    w_opt = np.linalg.lstsq(phi, LSQ_Y, rcond=None)[0]
    mse_opt = float(np.mean((phi @ w_opt - LSQ_Y) ** 2))
    tol = TOL("least squares", dtype)
    hint = HINT_GRADIENT + (" " + HINT_AUTOGRAD if backend == "autograd" else "")
    check_close(got["w"], _expected(w_opt, backend, device, dtype), call=call,
                what="w (vs the least-squares optimum)", tol=tol, hint=hint)
    final = float(_values64(got, "mse_trace", (LSQ_STEPS,), backend, device, call, hint)[-1])
    if not abs(final - mse_opt) <= tol.atol + tol.rtol * mse_opt:
        fail(call, f"mse_trace[-1]={final:.8g}, but the least-squares MSE is {mse_opt:.8g}",
             hint=HINT_BEFORE)


# ---- train: placement, dtypes, arguments -----------------------------------------------

PLACEMENT_CASES = (grid(backend=["numpy"], device=["cpu"])
                   + grid(backend=TORCH_BACKENDS, device=DEVICES_AND_META))


@pytest.mark.points(2)
@pytest.mark.device
@PLACEMENT_CASES.parametrize
def test_train_result_placement(subject, backend, device):
    """w ((degree+1) x 1) and mse_trace ((n_steps,)) come back on the requested device, detached,
    with the recurrence's values (the meta case: on the CPU first), and seconds >= 0."""
    n_steps, degree = 6, 2
    for run_device in [value_device(device)] + (["meta"] if device == "meta" else []):
        got, call = train_submission(subject, SEED_X, SEED_Y, n_steps=n_steps, lr=SEED_LR,
                                     degree=degree, backend=backend, device=run_device)
        if backend == "numpy":
            for key, shape in (("w", (degree + 1, 1)), ("mse_trace", (n_steps,))):
                value = got[key]
                check_type(value, np.ndarray, call=call, what=key, hint=HINT_PLACEMENT)
                if value.shape != shape or value.dtype != np.float64:
                    fail(call, f"{key} is {describe(value)}, but should have shape {shape} and "
                         "dtype float64", hint=HINT_PLACEMENT)
        else:
            check_meta(got["w"], shape=(degree + 1, 1), dtype=torch.float32, device=run_device,
                       call=call, what="w", hint=HINT_PLACEMENT)
            check_meta(got["mse_trace"], shape=(n_steps,), dtype=torch.float32,
                       device=run_device, call=call, what="mse_trace", hint=HINT_PLACEMENT)
            if got["w"].requires_grad:
                fail(call, "w still requires grad",
                     hint="return w.detach(), not the leaf tensor autograd differentiates")
        if run_device != "meta":
            _check_train_values(got, call, SEED_X, SEED_Y, n_steps, SEED_LR, degree, backend,
                                run_device, "float64" if backend == "numpy" else "float32",
                                HINT_GRADIENT)
        check_duration(got["seconds"], call=call, hint=HINT_SECONDS)


#: (what x is, the dtype the torch backends must compute in).
DTYPE_CASES = grid(("backend", TORCH_BACKENDS), (("given", "expected"), [
    pytest.param("numpy", "float32", id="numpy-input"),
    pytest.param("float32", "float32", id="float32-input"),
    pytest.param("float64", "float64", id="float64-input")]))


@pytest.mark.points(1)
@pytest.mark.device
@DTYPE_CASES.parametrize
def test_train_dtype(subject, backend, given, expected):
    """torch backends compute in x's dtype for tensor inputs and in float32 for numpy inputs."""
    x, y = SEED_X, SEED_Y
    if given != "numpy":
        x, y = (torch.from_numpy(v).to(getattr(torch, given)) for v in (x, y))
    got, call = train_submission(subject, x, y, n_steps=4, lr=SEED_LR, degree=SEED_DEGREE,
                                 backend=backend, device="cpu")
    for key in ("w", "mse_trace"):
        check_meta(got[key], dtype=getattr(torch, expected), device="cpu", call=call, what=key,
                   hint=HINT_DTYPE)
    _check_train_values(got, call, SEED_X, SEED_Y, 4, SEED_LR, SEED_DEGREE, backend, "cpu",
                        expected, HINT_GRADIENT)


BAD_ARGUMENTS = grid(kwargs=[
    pytest.param({"backend": "jax", "device": "cpu"}, id="unknown-backend"),
    pytest.param({"backend": "numpy", "device": "cuda"}, id="numpy-on-cuda"),
    pytest.param({"backend": "numpy", "device": "meta"}, id="numpy-on-meta")])


@pytest.mark.points(1)
@pytest.mark.values
@BAD_ARGUMENTS.parametrize
def test_train_rejects_bad_arguments(subject, kwargs):
    """An unknown backend, or the numpy backend off the CPU, raises ValueError (and good
    arguments give the recurrence's values: raising is right for bad arguments only)."""
    good, good_call = train_submission(subject, SEED_X, SEED_Y, n_steps=3, backend="numpy",
                                       device="cpu")
    _check_train_values(good, good_call, SEED_X, SEED_Y, 3, SEED_LR, SEED_DEGREE, "numpy",
                        "cpu", "float64", HINT_GRADIENT)
    call = describe_call("train", {"x": SEED_X, "y": SEED_Y, "n_steps": 3, **kwargs})
    got = subject.call("polyfit.train_error", timeout=60, x=SEED_X, y=SEED_Y, n_steps=3,
                       **kwargs)
    if not got["is_value_error"]:
        raised = f"raised {got['raised']}: {got['message']}" if got["raised"] else "returned"
        fail(call, f"train {raised}, but should raise ValueError",
             hint="check backend and device before computing anything and raise ValueError "
                  "with a message naming the bad value.")


# ---- train: timing ---------------------------------------------------------------------

TIMING_RATIO, TIMING_FLOOR_S = 3.0, 0.5
#: 400 samples: vectorised code barely notices them, a python loop over samples does.
TIMING_X = np.linspace(0, 5, 400).reshape(-1, 1)
TIMING_Y = np.sin(TIMING_X)
#: Steps per backend: about 0.05 to 0.1 s of the seed's loop each, well under the floor.
TIMING_STEPS = {"numpy": 1000, "torch": 500, "autograd": 300}


@pytest.mark.points(1)
@pytest.mark.timing
@pytest.mark.timeout(180)
@BACKEND_DEVICE_CASES.parametrize
def test_train_timing(subject, backend, device):
    """train takes at most 3x the seed's own loop (measured now) + 0.5 s; seconds is honest."""
    x, y = TIMING_X, TIMING_Y
    n_steps = TIMING_STEPS[backend]
    kwargs = {"n_steps": n_steps, "lr": SEED_LR, "degree": SEED_DEGREE, "backend": backend,
              "device": device}
    call = describe_call("train", {"x": x, "y": y, **kwargs})
    seed_style_loop(x, y, 20, SEED_LR, SEED_DEGREE, backend, device)  # warm-up
    start = time.perf_counter()
    seed_style_loop(x, y, n_steps, SEED_LR, SEED_DEGREE, backend, device)
    baseline = time.perf_counter() - start
    limit = TIMING_RATIO * baseline + TIMING_FLOOR_S
    for _attempt in range(2):  # a second chance against a busy machine, unless far over
        got, measured = subject.call_timed("polyfit.train", timeout=60, x=x, y=y, **kwargs)
        if measured <= limit or measured > 2 * limit:
            break
    if measured > limit:
        fail(call, f"train took {measured:.2f} s, over the limit {limit:.2f} s = "
             f"{TIMING_RATIO:g} x {baseline:.2f} s (the seed's loop, timed now) + "
             f"{TIMING_FLOOR_S:g} s",
             hint="compute the powers of x once, use matrix products over all samples (no "
                  "python loop over samples), avoid per-step .item()/.cpu() and growing python "
                  "lists of tensors.")
    # Garbage returned at once is fast: the time earns nothing unless the values are right.
    _check_train_values(got, call, x, y, n_steps, SEED_LR, SEED_DEGREE, backend, device,
                        "float64" if backend == "numpy" else "float32", HINT_GRADIENT)
    check_duration(got["seconds"], call=call + f", which took {measured:.3f} s",
                   at_most=measured + 1e-3,
                   hint="seconds is the wall time of train itself, GPU work synchronised "
                        "(time.perf_counter()).")


# ---- leaderboard (no points) -------------------------------------------------------------

#: The timeout of one leaderboard run: the seed's own loop takes about 10 s, autograd 80 s.
LEADERBOARD_TIMEOUT_S = 120


@pytest.mark.timeout(3 * LEADERBOARD_TIMEOUT_S)
@BACKEND_DEVICE_CASES.parametrize
def test_train_speed_leaderboard(subject, leaderboard, backend, device):
    """Not graded: the seed's 200 000 steps, timed by the grader, for the leaderboard."""
    kwargs = {} if backend == "numpy" else {"backend": backend, "device": device}
    call = describe_call("train", {"x": SEED_X, "y": SEED_Y, **kwargs})
    got, seconds = subject.call_timed("polyfit.train", timeout=LEADERBOARD_TIMEOUT_S,
                                      x=SEED_X, y=SEED_Y, **kwargs)
    trace = _as_numpy(got["mse_trace"])
    if not isinstance(trace, np.ndarray) or trace.shape != (SEED_STEPS,):
        fail(call, "mse_trace is not the 200 000 MSEs of the defaults: not on the leaderboard")
    check_close(np.array([trace[0], trace[-1]]), np.array([SEED_MSE_0, SEED_FINAL_MSE]),
                call=call, what="[mse_trace[0], mse_trace[-1]] (a wrong fit is not ranked)",
                tol=TOL("seed mse"), hint=HINT_BEFORE)
    leaderboard.record(f"polyfit train {backend} {device} (s)", seconds, order="asc")
