"""The benchmark's floor loop runs the same recurrence as the spec's oracle, or says why not.

Every backend's "vs floor" ratio divides by this loop's time, so a loop that computed less (a
missed step, a trace written after the update) would flatter the floor: its results are held
to the float64 oracle here. Nothing is timed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.polyfit_floor import FloorLoop, compiler
from spec_tests.support.polyfit import oracle_gd

X = np.linspace(0, 5, 100).reshape(-1, 1)
Y = np.sin(X)


@pytest.mark.skipif(compiler() is None, reason="no C++ compiler: the benchmark skips its floor")
@pytest.mark.parametrize(("dtype", "rtol"), [("float64", 1e-12), ("float32", 1e-5)])
def test_floor_loop_is_the_gradient_descent_recurrence(tmp_path: Path, dtype: str,
                                                       rtol: float) -> None:
    loop = FloorLoop(tmp_path)
    w_expected, trace_expected = oracle_gd(X, Y, 300, 1e-5, 4)
    run = loop.run(X, Y, 300, 1e-5, 4, dtype)
    assert run.mse_trace.dtype == np.dtype(dtype) and run.mse_trace.shape == (300,)
    np.testing.assert_allclose(run.mse_trace, trace_expected, rtol=rtol)
    np.testing.assert_allclose(run.w, w_expected, rtol=rtol, atol=1e-12)
    # Another problem: sample count, degree and learning rate are the call's, not built in.
    xs = np.linspace(-1, 1, 30).reshape(-1, 1)
    w_expected, trace_expected = oracle_gd(xs, np.cos(2 * xs), 50, 0.4, 2)
    run = loop.run(xs, np.cos(2 * xs), 50, 0.4, 2, dtype)
    np.testing.assert_allclose(run.mse_trace, trace_expected, rtol=rtol)
    np.testing.assert_allclose(run.w, w_expected, rtol=rtol, atol=1e-6)


def test_floor_loop_without_a_compiler_says_so(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXX", str(tmp_path / "no-such-compiler"))
    with pytest.raises(RuntimeError, match="no C\\+\\+ compiler"):
        FloorLoop(tmp_path)
