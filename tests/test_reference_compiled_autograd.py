"""The reference's compiled autograd loop (long CPU runs) gives the eager loop's results.

It is what `python -m benchmarks` times; the spec tests never reach it (it starts at
``COMPILE_MIN_STEPS``), so it is checked here on short runs, built for real (~10 s a dtype)
into a temporary folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from reference import polyfit


@pytest.fixture
def aot_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty folder of compiled loops, and no program loaded yet in this process."""
    monkeypatch.setenv(polyfit.AOT_CACHE_ENV, str(tmp_path))
    polyfit._descent_program.cache_clear()
    yield tmp_path
    polyfit._descent_program.cache_clear()


def _seed_data(dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.from_numpy(np.linspace(0, 5, 100).reshape(-1, 1)).to(dtype)
    return x, torch.sin(x)


@pytest.mark.slow
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
def test_compiled_loop_equals_eager_loop(aot_cache: Path, dtype: torch.dtype) -> None:
    x, y = _seed_data(dtype)
    compiled = polyfit._train_autograd_compiled(x, y, 300, 1e-5, 4)
    if compiled is None:
        pytest.skip("AOTInductor cannot build here (no C++ compiler?): the eager loop runs")
    assert polyfit.compiled_program_path(dtype).parent == aot_cache
    w_eager, trace_eager = polyfit._train_autograd_eager(x, y, 300, 1e-5, 4)
    w, trace = compiled
    assert w.dtype == dtype and trace.shape == (300,) and not w.requires_grad
    torch.testing.assert_close(w, w_eager)
    torch.testing.assert_close(trace, trace_eager)
    assert float(trace[0]) == pytest.approx(0.5265, abs=1e-4)  # the seed's mse_trace[0]
    # Another shape from the same program: sample count, degree and steps are symbolic.
    xs = torch.linspace(-1, 1, 30, dtype=dtype).reshape(-1, 1)
    ys = torch.cos(2 * xs)
    w2, trace2 = polyfit._train_autograd_compiled(xs, ys, 50, 0.4, 2)
    w2_eager, trace2_eager = polyfit._train_autograd_eager(xs, ys, 50, 0.4, 2)
    torch.testing.assert_close(w2, w2_eager)
    torch.testing.assert_close(trace2, trace2_eager)


@pytest.mark.slow
def test_compiled_loop_is_built_once_and_rebuilt_when_corrupt(aot_cache: Path) -> None:
    x, y = _seed_data(torch.float32)
    if polyfit._train_autograd_compiled(x, y, 10, 1e-5, 4) is None:
        pytest.skip("AOTInductor cannot build here (no C++ compiler?): the eager loop runs")
    path = polyfit.compiled_program_path(torch.float32)
    built = path.stat().st_mtime_ns
    polyfit._descent_program.cache_clear()  # as in a new process: loaded, not rebuilt
    assert polyfit._train_autograd_compiled(x, y, 10, 1e-5, 4) is not None
    assert path.stat().st_mtime_ns == built
    assert [p.name for p in aot_cache.iterdir()] == [path.name]  # no partial file left
    path.write_bytes(b"not a package")
    polyfit._descent_program.cache_clear()
    w, trace = polyfit._train_autograd_compiled(x, y, 10, 1e-5, 4)
    torch.testing.assert_close(trace, polyfit._train_autograd_eager(x, y, 10, 1e-5, 4)[1])
    assert path.stat().st_size > 1000
