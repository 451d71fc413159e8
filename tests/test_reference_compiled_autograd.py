"""The reference's compiled autograd loop (long CPU runs) gives the eager loop's results.

It is what `python -m benchmarks` times; the spec tests never reach it (it starts at
``COMPILE_MIN_STEPS``), so it is checked here on short runs, built for real (15-30 s a dtype
on a quiet machine) into a temporary folder, and ``train``'s dispatch to it is checked with a
stand-in.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from reference import polyfit, polyfit_compiled

#: A hang guard for the tests that build a program for real: 15-30 s of compiler time on a quiet
#: machine, several minutes on a loaded 2-core one (the suite's 120 s guard stopped a build).
BUILD_TIMEOUT_S = 900


@pytest.fixture
def aot_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty folder of compiled loops, and no program loaded yet in this process."""
    monkeypatch.setenv(polyfit_compiled.AOT_CACHE_ENV, str(tmp_path))
    polyfit_compiled.load_program.cache_clear()
    yield tmp_path
    polyfit_compiled.load_program.cache_clear()


def _seed_data(dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.from_numpy(np.linspace(0, 5, 100).reshape(-1, 1)).to(dtype)
    return x, torch.sin(x)


def _compiled(x: torch.Tensor, y: torch.Tensor, n_steps: int, lr: float, degree: int
              ) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The compiled loop's (w, trace) on the powers of x, as ``train`` calls it."""
    phi = polyfit.dpoly_dw(x, torch.zeros(degree + 1, 1, dtype=x.dtype))
    return polyfit_compiled.descend(phi, y, n_steps, lr)


def _eager(x: torch.Tensor, y: torch.Tensor, n_steps: int, lr: float, degree: int
           ) -> tuple[torch.Tensor, torch.Tensor]:
    """The eager loop's (w, trace): the autograd backend on a run too short to compile."""
    assert n_steps < polyfit_compiled.COMPILE_MIN_STEPS
    out = polyfit.train(x, y, n_steps=n_steps, lr=lr, degree=degree, backend="autograd")
    return out["w"], out["mse_trace"]


@pytest.mark.slow
@pytest.mark.timeout(BUILD_TIMEOUT_S)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
def test_compiled_loop_equals_eager_loop(aot_cache: Path, dtype: torch.dtype) -> None:
    x, y = _seed_data(dtype)
    compiled = _compiled(x, y, 300, 1e-5, 4)
    if compiled is None:
        pytest.skip("AOTInductor cannot build here (no C++ compiler?): the eager loop runs")
    assert polyfit_compiled.program_path(dtype).parent == aot_cache
    w_eager, trace_eager = _eager(x, y, 300, 1e-5, 4)
    w, trace = compiled
    assert w.dtype == dtype and trace.shape == (300,) and not w.requires_grad
    torch.testing.assert_close(w, w_eager)
    torch.testing.assert_close(trace, trace_eager)
    assert float(trace[0]) == pytest.approx(0.5265, abs=1e-4)  # the seed's mse_trace[0]
    # Another shape from the same program: sample count, degree and steps are symbolic.
    xs = torch.linspace(-1, 1, 30, dtype=dtype).reshape(-1, 1)
    ys = torch.cos(2 * xs)
    w2, trace2 = _compiled(xs, ys, 50, 0.4, 2)
    w2_eager, trace2_eager = _eager(xs, ys, 50, 0.4, 2)
    torch.testing.assert_close(w2, w2_eager)
    torch.testing.assert_close(trace2, trace2_eager)


@pytest.mark.slow
@pytest.mark.timeout(BUILD_TIMEOUT_S)
def test_compiled_loop_is_built_once_and_rebuilt_when_corrupt(aot_cache: Path) -> None:
    x, y = _seed_data(torch.float32)
    if _compiled(x, y, 10, 1e-5, 4) is None:
        pytest.skip("AOTInductor cannot build here (no C++ compiler?): the eager loop runs")
    path = polyfit_compiled.program_path(torch.float32)
    built = path.stat().st_mtime_ns
    polyfit_compiled.load_program.cache_clear()  # as in a new process: loaded, not rebuilt
    assert _compiled(x, y, 10, 1e-5, 4) is not None
    assert path.stat().st_mtime_ns == built
    assert [p.name for p in aot_cache.iterdir()] == [path.name]  # no partial file left
    path.write_bytes(b"not a package")
    polyfit_compiled.load_program.cache_clear()
    w, trace = _compiled(x, y, 10, 1e-5, 4)
    torch.testing.assert_close(trace, _eager(x, y, 10, 1e-5, 4)[1])
    assert path.stat().st_size > 1000


def test_train_runs_long_cpu_autograd_runs_compiled(monkeypatch: pytest.MonkeyPatch) -> None:
    """From COMPILE_MIN_STEPS steps, on the CPU in float32/64, train's autograd backend returns
    the compiled loop's answer, and runs the eager loop where that answer is None."""
    x, y = _seed_data(torch.float64)
    eager = _eager(x, y, 20, 1e-5, 4)
    answer: list[tuple[torch.Tensor, torch.Tensor] | None] = [None]
    asked = []

    def descend(phi: torch.Tensor, y: torch.Tensor, n_steps: int, lr: float
                ) -> tuple[torch.Tensor, torch.Tensor] | None:
        asked.append((tuple(phi.shape), phi.dtype, n_steps, lr))
        return answer[0]

    monkeypatch.setattr(polyfit_compiled, "descend", descend)
    monkeypatch.setattr(polyfit_compiled, "COMPILE_MIN_STEPS", 20)
    out = polyfit.train(x, y, n_steps=20, lr=1e-5, degree=4, backend="autograd")
    assert asked == [((100, 5), torch.float64, 20, 1e-5)]
    torch.testing.assert_close((out["w"], out["mse_trace"]), eager)  # None: the eager loop
    answer[0] = (torch.ones(5, 1, dtype=torch.float64), torch.ones(20, dtype=torch.float64))
    out = polyfit.train(x, y, n_steps=20, lr=1e-5, degree=4, backend="autograd")
    assert out["w"] is answer[0][0] and out["mse_trace"] is answer[0][1]
    polyfit.train(x, y, n_steps=19, lr=1e-5, degree=4, backend="autograd")  # too short
    polyfit.train(x, y, n_steps=20, lr=1e-5, degree=4, backend="torch")  # not autograd
    polyfit.train(x.half(), y.half(), n_steps=20, lr=1e-5, degree=4, backend="autograd")
    assert len(asked) == 2


def test_no_cpp_compiler_runs_the_eager_loop(aot_cache: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Where inductor finds no C++ compiler, nothing is built (the build gives up before
    exporting) and a long autograd run is the eager loop's, result for result."""
    import torch._inductor.config as inductor_config
    from torch._inductor.exc import InvalidCxxCompiler

    monkeypatch.setattr(inductor_config.cpp, "cxx", (None, str(aot_cache / "no-such-g++")))
    monkeypatch.setattr(torch.export, "export",
                        lambda *args, **kwargs: pytest.fail("exported before finding a compiler"))
    with pytest.raises(InvalidCxxCompiler):
        polyfit_compiled.build_program(torch.float32)
    x, y = _seed_data(torch.float32)
    assert _compiled(x, y, 30, 1e-5, 4) is None
    assert list(aot_cache.iterdir()) == []
    monkeypatch.setattr(polyfit_compiled, "COMPILE_MIN_STEPS", 30)
    out = polyfit.train(x, y, n_steps=30, lr=1e-5, degree=4, backend="autograd")
    monkeypatch.setattr(polyfit_compiled, "COMPILE_MIN_STEPS", 31)
    torch.testing.assert_close((out["w"], out["mse_trace"]), _eager(x, y, 30, 1e-5, 4),
                               rtol=0, atol=0)
