"""Hidden spec tests of ``pnorm.py``: p, sizes, batches and inputs drawn from the grading
seed, expectations from ``reference/pnorm.py`` run in this process in float64.
"""

from __future__ import annotations

import pytest
import torch

from reference.pnorm import Norm as ReferenceNorm
from spec_tests.checks import Overrides, check_close
from spec_tests.params import BY_DEVICE_DTYPE
from spec_tests.support.pnorm import HINT_GRAD_P, HINT_VALUE, norm_call, run_submission

#: Tolerance overrides of this module's checks (the others use checks.TOLERANCES): atol in
#: units of the largest |expected| (sums of up to 64 powers up to the 6th).
TOL = Overrides({
    "values": {"float32": (1e-5, 1e-6), "float64": (1e-10, 1e-12)},
    "p gradient": {"float32": (2e-4, 2e-5), "float64": (1e-8, 1e-11)},
})


def _draw(grading_seed: int, salt: int, dtype: torch.dtype, device: str
          ) -> tuple[float, torch.Tensor]:
    """p in [1, 6] (a float32 value), a vector or an n x B batch of entries in [0.05, 3]."""
    gen = torch.Generator().manual_seed(grading_seed * 7919 + salt)
    p = float(torch.empty((), dtype=torch.float32).uniform_(1.0, 6.0, generator=gen))
    n = int(torch.randint(1, 65, (1,), generator=gen))
    batch = int(torch.randint(0, 5, (1,), generator=gen))
    shape = (n,) if batch == 0 else (n, batch)
    x = 0.05 + 2.95 * torch.rand(shape, generator=gen, dtype=torch.float64)
    return p, x.to(device=device, dtype=dtype)


def _reference(p: float, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Value, x.grad and p.grad of the reference in float64, in x's dtype and device."""
    norm = ReferenceNorm(p=p).double()
    x64 = x.detach().cpu().double().requires_grad_()
    out = norm(x64)
    out.sum().backward()
    return tuple(t.detach().to(device=x.device, dtype=x.dtype)
                 for t in (out, x64.grad, norm.p.grad))


def _scaled(name: str, dtype: torch.dtype, expected: torch.Tensor):
    return TOL(name, dtype).scale_atol(max(float(expected.abs().max()), 1.0))


@pytest.mark.points(3)
@pytest.mark.values
@BY_DEVICE_DTYPE.parametrize
def test_norm_hidden_values(subject, grading_seed, device, dtype):
    """Random p and inputs: the value and x.grad equal the reference's."""
    for salt in (1, 2, 3):
        p, x = _draw(grading_seed, salt, dtype, device)
        call = norm_call(p, x, "then .sum().backward()")
        got = run_submission(subject, p, x, call)
        value, grad_x, _ = _reference(p, x)
        check_close(got["value"], value, call=call, tol=_scaled("values", dtype, value),
                    hint=HINT_VALUE)
        check_close(got["grad_x"], grad_x, call=call, what="x.grad",
                    tol=_scaled("values", dtype, grad_x), hint=HINT_VALUE)


@pytest.mark.points(2)
@pytest.mark.gradients
@BY_DEVICE_DTYPE.parametrize
def test_norm_hidden_grad_p(subject, grading_seed, device, dtype):
    """Random p and inputs: norm.p.grad equals the reference's."""
    for salt in (4, 5):
        p, x = _draw(grading_seed, salt, dtype, device)
        call = norm_call(p, x, "then .sum().backward()")
        got = run_submission(subject, p, x, call)
        _, _, grad_p = _reference(p, x)
        check_close(got["grad_p"], grad_p, call=call, what="norm.p.grad",
                    tol=_scaled("p gradient", dtype, grad_p), hint=HINT_GRAD_P)
