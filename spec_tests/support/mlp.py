"""What the mlp tests share: hints, the call of a failure message, weights and data, a float64
numpy oracle of the forward pass and of SGD steps on the mean squared error (gradients in
closed form), and the checks of a training run."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from grader.memo import submission_independent
from spec_tests.checks import Tol, check_close, describe, fail

State = dict[str, torch.Tensor]
NAMES = ("linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias")

HINT_FORWARD = ("forward(X) = linear2(torch.relu(linear1(X))): two nn.Linear layers with "
                "biases and a ReLU between them (not a sigmoid, not after linear2).")
HINT_STEP = ("train_one_step: y_pred = model(X); loss = torch.mean((y_pred - y) ** 2); then "
             "optimizer.zero_grad(), loss.backward(), optimizer.step() in that order; return "
             "that loss (the prediction before the step), a 0-d tensor.")
HINT_ZERO = ("zero the gradients every step (optimizer.zero_grad() before loss.backward()): "
             "otherwise each step adds the previous steps' gradients.")
HINT_DEVICE = ("keep every step a torch operation on the model's device: no .item(), float(), "
               ".cpu() or .numpy() inside train_one_step or forward.")


def random_state(gen: torch.Generator, sizes: tuple[int, int, int], scale: float = 0.5
                 ) -> State:
    """Weights of a (n_in, n_hidden, n_out) model in float64, drawn from ``gen``."""
    n_in, n_hidden, n_out = sizes
    shapes = ((n_hidden, n_in), (n_hidden,), (n_out, n_hidden), (n_out,))
    return {name: scale * torch.randn(shape, generator=gen, dtype=torch.float64)
            for name, shape in zip(NAMES, shapes, strict=True)}


def lab_data(gen: torch.Generator, n: int, num_in: int = 3) -> tuple[torch.Tensor, torch.Tensor]:
    """The lab's kind of data, drawn from ``gen``: X standard normal, y = sum x^2 (N x 1)."""
    x = torch.randn(n, num_in, generator=gen, dtype=torch.float64)
    return x, (x ** 2).sum(dim=1, keepdim=True)


def _arrays(state: State) -> list[np.ndarray]:
    return [state[name].detach().cpu().to(torch.float64).numpy().copy() for name in NAMES]


def _as_batch(x: np.ndarray, y: np.ndarray, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """One sample (a vector) as a batch of one row, as nn.Linear treats it."""
    return (x.reshape(1, -1), y.reshape(1, n_out)) if x.ndim == 1 else (x, y)


def oracle_forward(state: State, x: torch.Tensor) -> np.ndarray:
    """relu(X W1^T + b1) W2^T + b2 in float64, for a batch or one sample."""
    w1, b1, w2, b2 = _arrays(state)
    x64 = x.detach().cpu().to(torch.float64).numpy()
    return np.maximum(x64 @ w1.T + b1, 0) @ w2.T + b2


@submission_independent
def oracle_train(state: State, batches: list[tuple[torch.Tensor, torch.Tensor]], lr: float
                 ) -> tuple[list[float], list[list[np.ndarray]]]:
    """SGD on the mean squared error in float64, the gradients in closed form: the loss
    before every step and the weights after it."""
    w1, b1, w2, b2 = _arrays(state)
    losses, states = [], []
    for x, y in batches:
        x64, y64 = _as_batch(x.detach().cpu().double().numpy(), y.detach().cpu().double().numpy(),
                             len(b2))
        pre = x64 @ w1.T + b1
        hidden = np.maximum(pre, 0)
        residual = hidden @ w2.T + b2 - y64
        losses.append(float(np.mean(residual ** 2)))
        d_out = 2 * residual / residual.size
        d_hidden = (d_out @ w2) * (pre > 0)
        w2 = w2 - lr * d_out.T @ hidden
        b2 = b2 - lr * d_out.sum(axis=0)
        w1 = w1 - lr * d_hidden.T @ x64
        b1 = b1 - lr * d_hidden.sum(axis=0)
        states.append([w1, b1, w2, b2])
    return losses, states


def model_call(sizes: tuple[int, int, int], what: str, device: str, dtype: torch.dtype) -> str:
    """The call of a failure message."""
    name = str(dtype).removeprefix("torch.")
    return (f"MyTwoLayerMLP{tuple(sizes)} with the test's weights, .to({device!r}, {name}), "
            f"{what}")


def batches_text(batches: list[tuple[torch.Tensor, torch.Tensor]]) -> str:
    """``X = Tensor(...), y = Tensor(...)`` of every batch, for a failure message."""
    return "; ".join(f"X = {describe(x)}, y = {describe(y)}" for x, y in batches)


def as_tensor(values: np.ndarray, like: torch.Tensor) -> torch.Tensor:
    """float64 oracle values in the dtype and on the device of ``like``."""
    return torch.from_numpy(np.asarray(values, dtype=np.float64)).to(device=like.device,
                                                                      dtype=like.dtype)


def check_run(got: dict[str, Any], expected: tuple[list[float], list[list[np.ndarray]]],
              like: torch.Tensor, call: str, tol: Tol | None = None) -> None:
    """Every returned loss (a 0-d tensor) and the weights after every step equal the oracle's."""
    __tracebackhide__ = True
    losses, states = expected
    for k, (loss, want) in enumerate(zip(got["losses"], losses, strict=True)):
        if loss["type"] != "torch.Tensor":
            fail(call, f"step {k + 1} returned a {loss['type']}, but should return the loss "
                 "as a 0-d torch.Tensor", hint=HINT_STEP)
        check_close(loss["value"], as_tensor(np.array(want), like), call=call,
                    what=f"the loss returned by step {k + 1}", tol=tol, hint=HINT_STEP)
        for name, value in zip(NAMES, states[k], strict=True):
            check_close(got["states"][k][name], as_tensor(value, like), call=call,
                        what=f"{name} after step {k + 1}", tol=tol,
                        hint=HINT_STEP if k == 0 else HINT_STEP + " " + HINT_ZERO)
