"""What the momentum tests share: hints, the call of a failure message, the submission's run
and its check, the seed notebook's objective and its ``minimize`` loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from grader.memo import submission_independent
from spec_tests.checks import check_close, describe
from spec_tests.probes.momentum import drive

Grads = list[list[torch.Tensor | None]]

HINT_FORMULA = ("update the velocity first, v <- momentum * v + g, then the param, "
                "p <- p - lr * v (no lr and no (1 - momentum) inside the velocity, no "
                "Nesterov look-ahead, and keep each velocity from one step to the next).")
HINT_VELOCITY = ("v <- momentum * v + g: the velocity holds no lr and no (1 - momentum) "
                 "factor, and it must be updated before the param uses it.")


def describe_run(params: list[torch.Tensor], lr: float, momentum: float, n_steps: int) -> str:
    """The call of a failure message: the optimizer, its params and the steps taken."""
    shown = ", ".join(describe(p) for p in params)
    return (f"MomentumGradientDescent([{shown}], lr={lr:g}, momentum={momentum:g}) then "
            f"{n_steps} x (set every param's .grad, step())")


def run_submission(subject: Any, params: list[torch.Tensor], grads: Grads, lr: float,
                   momentum: float) -> dict[str, Any]:
    """The submission's run (see the probe ``momentum.run_steps``)."""
    return subject.call("momentum.run_steps", params=params, grads=grads, lr=lr,
                        momentum=momentum)


def run_optimizer(make: Callable[[list[torch.Tensor]], Any], params: list[torch.Tensor],
                  grads: Grads) -> tuple[Any, list[torch.Tensor], list[list[torch.Tensor]]]:
    """An oracle optimizer (``make(tensors)``) driven as the probe drives the submission's:
    the optimizer, its tensors and the tensors after every step."""
    tensors = [p.detach().clone().requires_grad_() for p in params]
    optimizer = make(tensors)
    return optimizer, tensors, drive(optimizer, tensors, grads)


def check_trace(got: dict[str, Any], expected: list[list[torch.Tensor]], call: str,
                hint: str) -> None:
    """Every param after every step equals the expected trace's."""
    __tracebackhide__ = True
    for k, (got_step, want_step) in enumerate(zip(got["trace"], expected, strict=True)):
        for i, (g, w) in enumerate(zip(got_step, want_step, strict=True)):
            check_close(g, w, call=call, what=f"params[{i}] after step {k + 1}", hint=hint)


# The seed notebook's objective (004): a difference of two Gaussians, minimum near (0, -2).
SEED_PRECISIONS = [[[1.0, 0.0], [0.0, 4.0]], [[1.0, -2.0], [-2.0, 10.0]]]
SEED_MEANS = [[0.0, 1.0], [0.0, -2.0]]
SEED_WEIGHTS = [1.0, -1.0]


def seed_objective(dtype: torch.dtype, device: str) -> tuple[Callable, dict[str, Any]]:
    """The seed's f and the data the probe rebuilds it from."""
    precisions = [torch.tensor(p, dtype=dtype, device=device) for p in SEED_PRECISIONS]
    means = [torch.tensor(m, dtype=dtype, device=device) for m in SEED_MEANS]

    def f(x: torch.Tensor) -> torch.Tensor:
        total = torch.zeros(1, dtype=dtype, device=device)
        for p, m, w in zip(precisions, means, SEED_WEIGHTS, strict=True):
            xc = (x - m).view(1, -1)
            total = total + w * torch.exp(-0.5 * torch.sum((xc @ p) * xc, dim=1))
        return total

    return f, {"precisions": precisions, "means": means, "weights": SEED_WEIGHTS}


@submission_independent
def oracle_run(f: Callable, init: torch.Tensor, lr: float, momentum: float,
               max_iter: int = 500, optimizer: Callable = torch.optim.SGD
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """The seed's ``minimize`` loop (torch.optim.SGD unless told otherwise): the iterates
    before each step, and the point it stopped at."""
    x = init.clone().requires_grad_()
    opt = optimizer([x], lr=lr, momentum=momentum)
    record = []
    for _ in range(max_iter):
        opt.zero_grad()
        f(x).backward()
        if float(torch.sum(x.grad ** 2)) < 1e-6:
            break
        record.append(x.detach().clone())
        opt.step()
    return torch.stack(record), x.detach().clone()


def oracle_minimize(f: Callable, init: torch.Tensor, lr: float, momentum: float,
                    max_iter: int = 500, optimizer: Callable = torch.optim.SGD) -> torch.Tensor:
    """The iterates of :func:`oracle_run`."""
    return oracle_run(f, init, lr, momentum, max_iter, optimizer)[0]
