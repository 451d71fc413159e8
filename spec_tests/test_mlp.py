"""Public spec tests of ``mlp.py``: the autograd lab's ``MyTwoLayerMLP``, ``generate_data``
and ``train_one_step``.

Expectations come from a float64 numpy oracle written here: the forward pass
relu(X W1^T + b1) W2^T + b2, and SGD steps on the mean squared error with the gradients in
closed form, from the same weights as the submission's model (the probe loads them into it).
The lab's run is 30 epochs of per-sample SGD (lr 0.001) on 100 samples of 3 features; the
seed does not show its hidden width, 10 here. The submission is reached only through
``spec_tests/probes/mlp.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from spec_tests.checks import (
    Overrides,
    check_close,
    check_meta,
    check_type,
    fail,
    value_device,
)
from spec_tests.params import BY_DEVICE_DTYPE, BY_DEVICE_DTYPE_AND_META, DEVICES, grid
from spec_tests.support.mlp import (
    HINT_DEVICE,
    HINT_FORWARD,
    HINT_STEP,
    NAMES,
    as_tensor,
    batches_text,
    check_run,
    lab_data,
    model_call,
    oracle_forward,
    oracle_train,
    random_state,
)

#: Tolerance overrides of this module's checks (the others use checks.TOLERANCES).
TOL = Overrides({
    # 3000 float32 SGD steps drift from the float64 oracle by ~1e-6 (weights), ~1e-6 relative
    # (an epoch's mean loss).
    "lab run": (1e-4, 1e-5),
    # Sums of squares of up to 5 float32 numbers.
    "targets": (1e-6, 1e-6),
})

LAB_SIZES = (3, 10, 1)
LAB_EPOCHS, LAB_LR, LAB_N = 30, 0.001, 100
HINT_DATA = ("X = torch.randn(N, num_in) (torch's global generator, float32) and y = "
             "torch.square(X).sum(dim=1).reshape(N, 1): an N x 1 column, not N values.")


def _send(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Weights as the probe receives them (float64 on the CPU; it loads them in the dtype)."""
    return {k: v.detach().cpu().to(torch.float64) for k, v in state.items()}


def _train(subject, sizes, state, batches, lr, device, dtype):
    return subject.call("mlp.train", sizes=list(sizes), state=_send(state),
                        batches=[[x, y] for x, y in batches], lr=lr, device=device, dtype=dtype)


def _steps_call(sizes, batches, lr, device, dtype) -> str:
    steps = f"{len(batches)} x " if len(batches) > 1 else ""
    return model_call(sizes, f"then {steps}train_one_step(model, SGD(lr={lr:g}), X, y) with "
                      + batches_text(batches), device, dtype)


def _check_steps(subject, gen, sizes, counts, lr, device, dtype):
    """Steps of train_one_step on random weights and batches (``counts``: see _batches) equal
    the oracle's; the weights and batches, for more checks."""
    state = random_state(gen, sizes)
    batches = _batches(gen, sizes, counts, dtype, device)
    check_run(_train(subject, sizes, state, batches, lr, device, dtype),
              oracle_train(state, batches, lr), batches[0][0],
              _steps_call(sizes, batches, lr, device, dtype))
    return state, batches


def _batches(gen: torch.Generator, sizes: tuple[int, int, int], counts: list[int | None],
             dtype: torch.dtype, device: str) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Batches of lab-like data (y = sum x^2 in every output); None: one sample, a vector."""
    out = []
    for count in counts:
        x, y = lab_data(gen, count or 1, sizes[0])
        y = y.expand(-1, sizes[2]).clone()
        if count is None:
            x, y = x[0], y[0]
        out.append((x.to(device=device, dtype=dtype), y.to(device=device, dtype=dtype)))
    return out


@pytest.mark.points(2)
@pytest.mark.values
@pytest.mark.parametrize("sizes", [(3, 5, 2), (4, 7, 1)], ids=["3-5-2", "4-7-1"])
def test_mlp_layers(subject, gen, sizes):
    """linear1 = nn.Linear(in, hidden), linear2 = nn.Linear(hidden, out), the sizes kept as
    attributes, these four parameters only, and the fresh model's output is the formula's on
    its own weights."""
    x = torch.randn(6, sizes[0], generator=gen)
    call = f"MyTwoLayerMLP{sizes}"
    got = subject.call("mlp.structure", sizes=list(sizes), X=x)
    n_in, n_hidden, n_out = sizes
    problems = []
    if not got["is_module"]:
        problems.append("the model is not a torch.nn.Module")
    if got["sizes"] != list(sizes):
        problems.append(f"(num_input_nodes, num_hidden_nodes, num_out_nodes) = "
                        f"{tuple(got['sizes'])}, but should be {sizes}")
    for name, (fan_in, fan_out) in (("linear1", (n_in, n_hidden)), ("linear2", (n_hidden, n_out))):
        layer = got["layers"][name]
        if layer["type"] != "torch.nn.modules.linear.Linear":
            problems.append(f"model.{name} is a {layer['type']}, but should be a torch.nn.Linear")
        elif (layer["in_features"], layer["out_features"]) != (fan_in, fan_out):
            problems.append(f"model.{name} maps {layer['in_features']} -> "
                            f"{layer['out_features']}, but should map {fan_in} -> {fan_out}")
    shapes = {k: tuple(v.shape) for k, v in got["state"].items()}
    want = {"linear1.weight": (n_hidden, n_in), "linear1.bias": (n_hidden,),
            "linear2.weight": (n_out, n_hidden), "linear2.bias": (n_out,)}
    if shapes != want:
        problems.append(f"the parameters are {shapes}, but should be {want}")
    if problems:
        fail(call, "the model's layers are not the lab's", problems, HINT_FORWARD)
    check_close(got["output"], as_tensor(oracle_forward(got["state"], x), x), call=call + "(X)",
                what="the fresh model's output on its own weights", hint=HINT_FORWARD)


@pytest.mark.points(4)
@pytest.mark.values
@BY_DEVICE_DTYPE.parametrize
def test_mlp_forward(subject, gen, device, dtype):
    """The output equals relu(X W1^T + b1) W2^T + b2 for a batch (N x in -> N x out) and for
    one sample (a vector, as the lab's training loop passes it)."""
    sizes = (3, 6, 2)
    state = random_state(gen, sizes)
    for x in (torch.randn(9, 3, generator=gen, dtype=torch.float64),
              torch.randn(3, generator=gen, dtype=torch.float64)):
        x = x.to(device=device, dtype=dtype)
        call = model_call(sizes, f"then model(X) with X = {x.shape}", device, dtype)
        got = subject.call("mlp.forward", sizes=list(sizes), state=_send(state), X=x,
                           device=device, dtype=dtype)
        check_type(got, torch.Tensor, call=call, hint=HINT_FORWARD)
        check_close(got, as_tensor(oracle_forward(state, x), x), call=call, what="model(X)",
                    hint=HINT_FORWARD)


@pytest.mark.points(3)
@pytest.mark.values
@pytest.mark.parametrize("num_in", [None, 5], ids=["default", "num_in5"])
def test_generate_data(subject, num_in):
    """X is N x num_in float32 standard normal from torch's global generator (reproducible
    with torch.manual_seed, fresh on the next call), y = sum of squares as N x 1."""
    n, features = 4000, num_in or 3
    call = f"torch.manual_seed(7); generate_data({n}{'' if num_in is None else f', {num_in}'})"
    got = subject.call("mlp.generate", N=n, num_in=num_in, seed=7)
    if not got["pair"]:
        fail(call, f"returned {got['type']}, but should return a pair (X, y)", hint=HINT_DATA)
    x, y = got["X"], got["y"]
    for name, value in (("X", x), ("y", y)):
        check_type(value, torch.Tensor, call=call, what=name, hint=HINT_DATA)
    check_meta(x, shape=(n, features), dtype=torch.float32, device="cpu", call=call, what="X",
               hint=HINT_DATA)
    check_close(y, (x.double() ** 2).sum(dim=1, keepdim=True).float(), call=call, what="y",
                tol=TOL("targets"), hint=HINT_DATA)
    mean, var = float(x.double().mean()), float(x.double().var())
    if not (abs(mean) < 0.05 and abs(var - 1) < 0.05):
        fail(call, f"X has mean {mean:.3f} and variance {var:.3f}, but should be standard "
             "normal (mean 0, variance 1)", hint=HINT_DATA)
    if not torch.equal(got["X_again"], x):
        fail(call, "the same torch.manual_seed gave other X: draw from torch's global "
             "generator", hint=HINT_DATA)
    if torch.equal(got["X_next"], x):
        fail(call, "the next call gave the same X again: draw fresh samples each call",
             hint=HINT_DATA)


@pytest.mark.points(4)
@pytest.mark.gradients
@BY_DEVICE_DTYPE.parametrize
def test_train_one_step(subject, gen, device, dtype):
    """One step with torch.optim.SGD(lr=0.05): the returned loss is the MSE before the step,
    and the weights after it are the oracle's."""
    _check_steps(subject, gen, (3, 8, 2), [12], 0.05, device, dtype)


@pytest.mark.points(3)
@pytest.mark.gradients
@BY_DEVICE_DTYPE.parametrize
def test_train_several_steps(subject, gen, device, dtype):
    """Four steps with one optimizer on different batches (one a single sample, as in the
    lab): every loss and the weights after every step are the oracle's, so gradients left
    over from an earlier step show."""
    _check_steps(subject, gen, (3, 5, 1), [8, None, 5, 8], 0.02, device, dtype)


@pytest.mark.points(2)
@pytest.mark.convergence
@pytest.mark.timeout(300)
@grid(device=DEVICES, dtype=[torch.float32]).parametrize
def test_lab_run_lowers_loss(subject, device, dtype):
    """The lab's run: 30 epochs of per-sample SGD (lr 0.001) on 100 samples follow the oracle
    (every epoch's mean loss, the final weights) and the last epoch's mean loss is under a
    quarter of the first's."""
    gen = torch.Generator().manual_seed(2024)
    state = random_state(gen, LAB_SIZES)
    x, y = lab_data(gen, LAB_N)
    call = model_call(LAB_SIZES, f"then the lab's {LAB_EPOCHS} epochs of train_one_step("
                      f"model, SGD(lr={LAB_LR}), X_i, y_i) over {LAB_N} samples", device, dtype)
    samples = [(x[i], y[i]) for i in range(LAB_N)] * LAB_EPOCHS
    losses, states = oracle_train(state, samples, LAB_LR)
    epochs = np.array(losses).reshape(LAB_EPOCHS, LAB_N).mean(axis=1)
    assert epochs[-1] < epochs[0] / 4, "the oracle's run no longer lowers the loss"
    got = subject.call("mlp.lab_run", timeout=240, sizes=list(LAB_SIZES), state=_send(state),
                       X=x.to(device=device, dtype=dtype), y=y.to(device=device, dtype=dtype),
                       epochs=LAB_EPOCHS, lr=LAB_LR, device=device)
    got_losses = got["losses"]
    check_type(got_losses, torch.Tensor, call=call, what="the losses", hint=HINT_STEP)
    check_meta(got_losses, shape=(LAB_EPOCHS * LAB_N,), call=call, what="the losses")
    got_epochs = got_losses.reshape(LAB_EPOCHS, LAB_N).mean(dim=1)
    check_close(got_epochs, torch.from_numpy(epochs), call=call, what="each epoch's mean loss",
                tol=TOL("lab run"), hint=HINT_STEP)
    for name, value in zip(NAMES, states[-1], strict=True):
        check_close(got["state"][name].cpu(), torch.from_numpy(value).float(), call=call,
                    what=f"{name} after the run", tol=TOL("lab run"), hint=HINT_STEP)
    if not float(got_epochs[-1]) < float(got_epochs[0]) / 4:
        fail(call, f"the mean loss went from {float(got_epochs[0]):.4f} (epoch 1) to "
             f"{float(got_epochs[-1]):.4f} (epoch {LAB_EPOCHS}), but should fall under a "
             "quarter of it", hint=HINT_STEP)


@pytest.mark.points(2)
@pytest.mark.device
@BY_DEVICE_DTYPE_AND_META.parametrize
def test_mlp_meta(subject, gen, device, dtype):
    """On the model's device: the output (N x out), the returned loss (0-d) and the weights
    after a step stay there in the model's dtype; on ``meta`` (no data) the same calls'
    values are checked on the CPU."""
    sizes = (3, 4, 2)
    state, batches = _check_steps(subject, gen, sizes, [6], 0.1,
                                  value_device(device), dtype)
    batches = [(x.to(device), y.to(device)) for x, y in batches]
    call = _steps_call(sizes, batches, 0.1, device, dtype)
    x = batches[0][0]
    out = subject.call("mlp.forward", sizes=list(sizes), state=_send(state), X=x, device=device,
                       dtype=dtype)
    check_meta(out, shape=(6, 2), dtype=dtype, device=device, call=call, what="model(X)",
               hint=HINT_DEVICE)
    got = _train(subject, sizes, state, batches, 0.1, device, dtype)
    loss = got["losses"][0]
    if loss["type"] != "torch.Tensor":
        fail(call, f"train_one_step returned a {loss['type']}, but should return a 0-d "
             "torch.Tensor", hint=HINT_STEP)
    check_meta(loss["value"], shape=(), dtype=dtype, device=device, call=call, what="the loss",
               hint=HINT_DEVICE)
    for name in NAMES:
        check_meta(got["states"][0][name], shape=tuple(state[name].shape), dtype=dtype,
                   device=device, call=call, what=f"{name} after the step", hint=HINT_DEVICE)
