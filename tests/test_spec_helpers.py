"""The spec suite's own helpers: the grid of cases, the tolerance overrides, the message, and
the messages of garbage with the right metadata (empty, broadcasting, NaN, a bad duration)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from spec_tests.checks import (
    TOLERANCES,
    Overrides,
    Tol,
    check_close,
    check_duration,
    check_finite,
    check_left_alone,
    check_meta,
    fail,
    tolerance,
    value_device,
)
from spec_tests.params import CUDA_SKIP, DEVICES, DEVICES_AND_META, FLOAT_DTYPES, grid


def test_grid_ids_join_the_values_and_drop_mps_float64() -> None:
    cases = grid(backend=["torch"], device=DEVICES, dtype=["float32", "float64"])
    assert cases.names == ("backend", "device", "dtype")
    assert [p.id for p in cases.params] == [
        "torch-cpu-float32", "torch-cpu-float64", "torch-cuda-float32", "torch-cuda-float64",
        "torch-mps-float32"]
    assert [p.values for p in cases.params][:2] == [("torch", "cpu", "float32"),
                                                    ("torch", "cpu", "float64")]
    assert [list(p.marks) for p in cases.params][2] == [CUDA_SKIP]  # the device's skip


def test_grid_can_keep_an_unsupported_pair_as_a_skipped_case() -> None:
    cases = grid(device=DEVICES_AND_META, dtype=FLOAT_DTYPES, unsupported="skip")
    mps64 = next(p for p in cases.params if p.id == "mps-float64")
    assert mps64.values == ("mps", torch.float64)
    assert mps64.marks[-1].kwargs["reason"] == "mps does not support torch.float64"
    assert len(cases.params) == 8


def test_grid_joins_grids_and_pairs_of_values() -> None:
    pairs = [pytest.param("numpy", "float32", id="numpy-input")]
    cases = grid(("backend", ["torch", "autograd"]), (("given", "expected"), pairs))
    assert [p.id for p in cases.params] == ["torch-numpy-input", "autograd-numpy-input"]
    assert cases.params[0].values == ("torch", "numpy", "float32")
    both = grid(backend=["numpy"], device=["cpu"]) + grid(backend=["torch"], device=DEVICES)
    assert [p.id for p in both.without("torch-mps").params] == [
        "numpy-cpu", "torch-cpu", "torch-cuda"]
    with pytest.raises(ValueError, match="no case"):
        both.without("torch-tpu")
    with pytest.raises(ValueError, match="cannot join"):
        both + grid(device=DEVICES)
    with pytest.raises(ValueError, match="with an id"):
        grid(kwargs=[{"backend": "jax"}])


def test_overrides_are_pairs_by_name_and_dtype() -> None:
    table = Overrides({"any dtype": (1e-5, 1e-7), "by dtype": {"float32": (1e-4, 1e-5)}})
    assert table("any dtype") == Tol(1e-5, 1e-7)
    assert table("by dtype", torch.float32) == table("by dtype", "float32") == Tol(1e-4, 1e-5)
    assert Tol(1e-5, 2e-6).scale_atol(3.0) == Tol(1e-5, 6e-6)
    with pytest.raises(ValueError, match="together"):
        Overrides({"lone": (1e-5,)})
    with pytest.raises(ValueError, match="together"):
        Overrides({"lone": {"float64": 1e-7}})
    assert tolerance(torch.float32) == TOLERANCES[torch.float32]
    assert tolerance(torch.float32, Tol(0.0, 1.0)) == Tol(0.0, 1.0)


def test_fail_says_what_the_call_and_the_hint() -> None:
    with pytest.raises(AssertionError) as info:
        fail("f(x=1)", "result is off", ["expected: 1", "got:      2"], "add, do not subtract")
    assert str(info.value) == ("result is off [f(x=1)]\n  expected: 1\n  got:      2\n"
                               "  hint: add, do not subtract")
    with pytest.raises(AssertionError, match=r"^w still requires grad \[train\(\)\]$"):
        fail("train()", "w still requires grad")


def message(check, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as info:
        check(*args, call="f(x)", **kwargs)
    return str(info.value)


def test_garbage_of_the_right_metadata_fails_with_its_own_message() -> None:
    want = torch.zeros(5, 1)
    assert message(check_close, torch.zeros(5, 0), want).startswith(
        "result is empty [f(x)]\n  result.shape=(5, 0), but should be (5, 1)")
    assert message(check_close, torch.zeros(1), torch.tensor(0.0)).startswith(
        "result has a shape that only broadcasts [f(x)]")
    assert message(check_close, torch.zeros(5, 2), want).startswith(
        "result has a shape that only broadcasts [f(x)]")
    assert message(check_close, torch.zeros(5, 2), torch.zeros(5, 3)).startswith(
        "result has the wrong shape [f(x)]")
    nan = message(check_close, torch.full((5, 1), float("nan")), want, what="w")
    assert nan.startswith("w holds NaN or inf where finite values are expected [f(x)]")
    assert "non-finite elements: 5 / 5" in nan and "first at index (0, 0): got nan" in nan
    inf = message(check_close, np.array([1.0, np.inf]), np.array([1.0, 2.0]))
    assert "non-finite elements: 1 / 2" in inf and "first at index (1,): got inf" in inf
    assert message(check_meta, torch.zeros(3, 0), shape=(3, 1)).startswith("result is empty")
    assert message(check_finite, np.array([0.5, np.nan, 1.0])).startswith(
        "result holds NaN or inf")
    check_finite(torch.ones(3), call="f(x)")
    check_close(torch.tensor([float("inf")]), torch.tensor([float("inf")]), call="f(x)")


def test_a_duration_is_a_finite_float_at_least_zero() -> None:
    for bad in (float("nan"), float("inf"), -1.0, "1.0", None, torch.tensor(1.0)):
        assert "should be a finite python float >= 0" in message(check_duration, bad)
    assert "at most 2.000" in message(check_duration, 3.0, at_most=2.0)
    check_duration(0.0, call="f(x)")
    check_duration(1, call="f(x)", at_most=1.0)


def test_a_meta_case_checks_its_values_on_the_cpu() -> None:
    assert [value_device(d) for d in ("meta", "cpu", "cuda")] == ["cpu", "cpu", "cuda"]


def _reported(x: torch.Tensor, requires_grad: bool, grad: torch.Tensor | None) -> dict:
    """The caller's x as a probe reports it after the call."""
    return {"x": x, "x_requires_grad": requires_grad, "x_grad": grad}


def test_check_left_alone_passes_only_an_untouched_tensor() -> None:
    x, grad = torch.tensor([1.0, 2.0]), torch.tensor([0.5, 0.5])
    check_left_alone(_reported(x.clone(), True, grad.clone()), "x", x, True, grad,
                     call="g(f, x)", hint="work on a copy")
    check_left_alone(_reported(x.clone(), False, None), "x", x, False, None,
                     call="g(f, x)", hint="work on a copy")
    with pytest.raises(AssertionError, match=r"x\.requires_grad is True after the call, but "
                                             r"was False"):
        check_left_alone(_reported(x, True, None), "x", x, False, None, call="g(f, x)",
                         hint="work on a copy")
    with pytest.raises(AssertionError, match=r"x\.grad was None before the call, but is a "
                                             r"tensor after it"):
        check_left_alone(_reported(x, False, grad), "x", x, False, None, call="g(f, x)",
                         hint="work on a copy")
    with pytest.raises(AssertionError, match=r"the caller's x after the call is off"):
        check_left_alone(_reported(x + 1, False, None), "x", x, False, None, call="g(f, x)",
                         hint="work on a copy")
    with pytest.raises(AssertionError, match=r"the caller's x\.grad after the call is off"):
        check_left_alone(_reported(x, True, grad * 2), "x", x, True, grad, call="g(f, x)",
                         hint="work on a copy")
    with pytest.raises(AssertionError, match=r"the result is attached to a graph"):
        check_left_alone(_reported(x, False, None), "x", x, False, None, call="g(f, x)",
                         hint="work on a copy",
                         problems=["the result is attached to a graph"])
