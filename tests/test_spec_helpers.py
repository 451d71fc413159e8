"""The spec suite's own helpers: the grid of cases, the tolerance overrides, the message."""

from __future__ import annotations

import pytest
import torch

from spec_tests.checks import TOLERANCES, Overrides, Tol, fail, tolerance
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
