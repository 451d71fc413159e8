"""The reference's compiled autograd loop (long CPU runs) gives the eager loop's results.

It is what `python -m benchmarks` times; the spec tests never reach it (it starts at
``COMPILE_MIN_STEPS``), so it is checked here on a short run, compiled for real (~10 s).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from reference import polyfit


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch.jit, imported by inductor
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
def test_compiled_loop_equals_eager_loop(dtype: torch.dtype) -> None:
    x = torch.from_numpy(np.linspace(0, 5, 100).reshape(-1, 1)).to(dtype)
    y = torch.sin(x)
    compiled = polyfit._train_autograd_compiled(x, y, 300, 1e-5, 4)
    if compiled is None:
        pytest.skip("torch.compile is not usable here (no compiler?): the eager loop runs")
    w_eager, trace_eager = polyfit._train_autograd_eager(x, y, 300, 1e-5, 4)
    w, trace = compiled
    assert w.dtype == dtype and trace.shape == (300,) and not w.requires_grad
    torch.testing.assert_close(w, w_eager)
    torch.testing.assert_close(trace, trace_eager)
    assert float(trace[0]) == pytest.approx(0.5265, abs=1e-4)  # the seed's mse_trace[0]
