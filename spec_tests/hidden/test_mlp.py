"""Hidden spec tests of ``mlp.py``: sizes, weights, batches and learning rates drawn from the
grading seed, expectations from ``reference/mlp.py`` (its model, its ``train_one_step`` and
``torch.optim.SGD``) run in this process in float64.
"""

from __future__ import annotations

import pytest
import torch

from reference.mlp import MyTwoLayerMLP as ReferenceMLP
from reference.mlp import train_one_step as reference_step
from spec_tests.checks import Overrides, check_close, check_type
from spec_tests.params import BY_DEVICE_DTYPE
from spec_tests.support.mlp import (
    HINT_FORWARD,
    HINT_STEP,
    HINT_ZERO,
    NAMES,
    batches_text,
    lab_data,
    model_call,
    random_state,
)

#: Tolerance overrides of this module's checks (the others use checks.TOLERANCES).
TOL = Overrides({"values": {"float32": (1e-5, 1e-5), "float64": (1e-9, 1e-11)}})


def _draw(grading_seed: int, salt: int) -> tuple[tuple[int, int, int], dict, torch.Generator]:
    gen = torch.Generator().manual_seed(grading_seed * 7919 + salt)
    sizes = tuple(int(torch.randint(1, high, (1,), generator=gen)) for high in (6, 17, 4))
    return sizes, random_state(gen, sizes), gen


def _reference_model(sizes, state) -> ReferenceMLP:
    model = ReferenceMLP(*sizes).double()
    model.load_state_dict(state)
    return model


@pytest.mark.points(3)
@pytest.mark.gradients
@BY_DEVICE_DTYPE.parametrize
def test_mlp_hidden_steps(subject, grading_seed, device, dtype):
    """Three steps of random batches and learning rate: losses and weights equal the
    reference's."""
    sizes, state, gen = _draw(grading_seed, 1)
    lr = float(torch.empty(()).uniform_(0.005, 0.1, generator=gen))
    batches = []
    for _ in range(3):
        x, y = lab_data(gen, int(torch.randint(1, 20, (1,), generator=gen)), sizes[0])
        batches.append((x, y.expand(-1, sizes[2]).clone()))
    model = _reference_model(sizes, state)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    expected = []
    for x, y in batches:
        loss = reference_step(model, optimizer, x, y).detach()
        expected.append((loss, {k: v.detach().clone() for k, v in model.named_parameters()}))
    sent = [(x.to(device=device, dtype=dtype), y.to(device=device, dtype=dtype))
            for x, y in batches]
    call = model_call(sizes, f"then 3 x train_one_step(model, SGD(lr={lr:.4g}), X, y) with "
                      + batches_text(sent), device, dtype)
    got = subject.call("mlp.train", sizes=list(sizes), state=state,
                       batches=[[x, y] for x, y in sent], lr=lr, device=device, dtype=dtype)
    tol = TOL("values", dtype)
    for k, (loss, weights) in enumerate(expected):
        check_type(got["losses"][k]["value"], torch.Tensor, call=call,
                   what=f"the loss of step {k + 1}", hint=HINT_STEP)
        check_close(got["losses"][k]["value"], loss.to(device=device, dtype=dtype), call=call,
                    what=f"the loss of step {k + 1}", tol=tol.scale_atol(max(float(loss), 1)),
                    hint=HINT_STEP)
        for name in NAMES:
            check_close(got["states"][k][name], weights[name].to(device=device, dtype=dtype),
                        call=call, what=f"{name} after step {k + 1}", tol=tol,
                        hint=HINT_STEP + " " + HINT_ZERO)


@pytest.mark.points(2)
@pytest.mark.values
@BY_DEVICE_DTYPE.parametrize
def test_mlp_hidden_forward(subject, grading_seed, device, dtype):
    """Random sizes and weights: the output equals the reference model's."""
    sizes, state, gen = _draw(grading_seed, 2)
    x = torch.randn(int(torch.randint(1, 30, (1,), generator=gen)), sizes[0], generator=gen,
                    dtype=torch.float64)
    with torch.no_grad():
        expected = _reference_model(sizes, state)(x).to(device=device, dtype=dtype)
    x = x.to(device=device, dtype=dtype)
    call = model_call(sizes, f"then model(X) with X = {tuple(x.shape)}", device, dtype)
    got = subject.call("mlp.forward", sizes=list(sizes), state=state, X=x, device=device,
                       dtype=dtype)
    check_close(got, expected, call=call, what="model(X)", tol=TOL("values", dtype),
                hint=HINT_FORWARD)
