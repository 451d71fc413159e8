"""Hidden spec tests of ``momentum.py``: runs drawn from the grading seed, vs the reference.

Learning rates, momenta, param shapes, step counts, missing gradients and starting points
come from ``grading_seed``; expectations come from ``reference/momentum.py`` run in this
process on the same inputs.
"""

from __future__ import annotations

import pytest
import torch

from reference.momentum import MomentumGradientDescent as ReferenceMomentum
from spec_tests.checks import Overrides, check_close, check_meta
from spec_tests.params import BY_DEVICE_DTYPE
from spec_tests.support.momentum import (
    HINT_FORMULA,
    HINT_VELOCITY,
    Grads,
    check_trace,
    describe_run,
    oracle_minimize,
    run_optimizer,
    run_submission,
    seed_objective,
)

#: Tolerance overrides of this module's checks (the others use checks.TOLERANCES).
TOL = Overrides({
    # Rounding differences compound over up to 60 steps of an iterate of size ~1.
    "iterates": (1e-4, 1e-4),
})


def _uniform(gen: torch.Generator, low: float, high: float) -> float:
    return float(torch.empty(()).uniform_(low, high, generator=gen))


def _draw_run(grading_seed: int, dtype: torch.dtype, device: str
              ) -> tuple[list[torch.Tensor], Grads, float, float]:
    """1-4 params of random shapes (0-d included), 3-12 steps, ~20 % of gradients missing."""
    gen = torch.Generator().manual_seed(grading_seed * 7919 + 11)
    n_params = int(torch.randint(1, 5, (1,), generator=gen))
    shapes = [tuple(int(s) for s in torch.randint(1, 5, (int(torch.randint(0, 4, (1,),
              generator=gen)),), generator=gen)) for _ in range(n_params)]
    n_steps = int(torch.randint(3, 13, (1,), generator=gen))

    def randn(shape: tuple[int, ...]) -> torch.Tensor:
        t = torch.randn(shape, generator=gen, dtype=torch.float64)
        return t.to(device=device, dtype=dtype)

    params = [randn(s) for s in shapes]
    grads: Grads = [[randn(s) if _uniform(gen, 0, 1) > 0.2 else None for s in shapes]
                    for _ in range(n_steps)]
    return params, grads, _uniform(gen, 0.01, 0.5), _uniform(gen, 0.05, 0.99)


def reference_run(params: list[torch.Tensor], grads: Grads, lr: float, momentum: float
                  ) -> tuple[list[list[torch.Tensor]], list[torch.Tensor]]:
    """The reference optimizer driven exactly as the probe drives the submission's."""
    opt, _, trace = run_optimizer(lambda ts: ReferenceMomentum(ts, lr=lr, momentum=momentum),
                                  params, grads)
    return trace, [v.clone() for v in opt.velocities]


@pytest.mark.points(3)
@pytest.mark.values
@BY_DEVICE_DTYPE.parametrize
def test_momentum_hidden_random_runs(subject, grading_seed, device, dtype):
    """Random lr, momentum, shapes and missing gradients: params and velocities as the reference."""
    params, grads, lr, momentum = _draw_run(grading_seed, dtype, device)
    call = describe_run(params, lr, momentum, len(grads)) + " with some .grad None"
    got = run_submission(subject, params, grads, lr, momentum)
    trace, velocities = reference_run(params, grads, lr, momentum)
    check_trace(got, trace, call, HINT_FORMULA)
    for i, v in enumerate(velocities):
        check_close(got["velocities"][i], v, call=call, what=f"velocities[{i}]",
                    hint=HINT_VELOCITY)


@pytest.mark.points(2)
@pytest.mark.convergence
@BY_DEVICE_DTYPE.parametrize
def test_momentum_hidden_seed_objective(subject, grading_seed, device, dtype):
    """The seed's minimize loop from a random start, lr and momentum follows the reference."""
    gen = torch.Generator().manual_seed(grading_seed * 7919 + 12)
    init = torch.empty(2, dtype=torch.float64).uniform_(0.3, 1.0, generator=gen)
    init = init.to(device=device, dtype=dtype)
    lr, momentum, max_iter = _uniform(gen, 0.05, 0.2), _uniform(gen, 0.5, 0.9), 60
    f, data = seed_objective(dtype, device)
    call = (f"the seed's minimize(f, MomentumGradientDescent([x0], lr={lr:.4g}, momentum="
            f"{momentum:.4g}), max_iter={max_iter}) with x0 = {init.tolist()}")
    got = subject.call("momentum.minimize_seed", init=init, lr=lr, momentum=momentum,
                       max_iter=max_iter, **data)
    expected = oracle_minimize(f, init, lr, momentum, max_iter, optimizer=ReferenceMomentum)
    check_meta(got["trace"], shape=tuple(expected.shape), dtype=dtype, device=device, call=call,
               what="the iterates", hint=HINT_FORMULA)
    check_close(got["trace"], expected, tol=TOL("iterates"), call=call,
                what="the iterates vs the reference", hint=HINT_FORMULA)
