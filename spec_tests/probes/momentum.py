"""Probes run next to the student's ``momentum.py``: they drive the optimizer, return data.

Facts only visible here (the same tensor objects, storage kept, still a leaf, ...) come back
as bools; the params and velocities come back as tensors, so the test sees their values,
dtype, device and ``requires_grad``. Every verdict is the test's.
"""

from __future__ import annotations

from typing import Any

import torch


def drive(optimizer: Any, tensors: list[torch.Tensor], grads: list[list[torch.Tensor | None]]
          ) -> list[list[torch.Tensor]]:
    """One ``optimizer.step()`` per entry of grads, each tensor's ``.grad`` set to
    ``grads[k][i]`` before step k (None: no gradient); the tensors after every step.

    The tests drive their oracle optimizers with it too, so both are driven alike.
    """
    trace = []
    for step_grads in grads:
        for t, g in zip(tensors, step_grads, strict=True):
            t.grad = None if g is None else g.clone()
        optimizer.step()
        trace.append([t.detach().clone() for t in tensors])
    return trace


def run_steps(mod: Any, params: list[torch.Tensor], grads: list[list[torch.Tensor | None]],
              lr: float, momentum: float) -> dict[str, Any]:
    """``MomentumGradientDescent(params, lr, momentum)``, then one ``step()`` per entry of grads.

    Before step k every param's ``.grad`` is set to ``grads[k][i]`` (None: no gradient).
    Returns the params after every step (``trace``), the final params and velocities as the
    optimizer holds them, and the in-place / autograd facts.
    """
    tensors = [p.detach().clone().requires_grad_() for p in params]
    pointers = [t.data_ptr() for t in tensors]
    opt = mod.MomentumGradientDescent(tensors, lr=lr, momentum=momentum)
    trace = drive(opt, tensors, grads)
    held = list(opt.params)
    velocities = list(opt.velocities)
    return {
        "trace": trace,
        "params": tensors,
        "velocities": velocities,
        "same_objects": len(held) == len(tensors)
        and all(a is b for a, b in zip(held, tensors, strict=False)),
        "storage_kept": [t.data_ptr() == p for t, p in zip(tensors, pointers, strict=True)],
        "is_leaf": [t.is_leaf for t in tensors],
        "held_is_leaf": [bool(getattr(p, "is_leaf", False)) for p in held],
        "held_has_grad_fn": [getattr(p, "grad_fn", None) is not None for p in held],
        "velocities_distinct": len({id(v) for v in velocities}) == len(velocities),
        "grad_enabled_after": torch.is_grad_enabled(),
    }


def _objective(precisions: list[torch.Tensor], means: list[torch.Tensor],
               weights: list[float]) -> Any:
    """The seed's GaussianCombination: sum_k w_k exp(-(x - m_k)^T P_k (x - m_k) / 2)."""

    def f(x: torch.Tensor) -> torch.Tensor:
        total = 0
        for precision, mean, weight in zip(precisions, means, weights, strict=True):
            xc = (x - mean).view(1, -1)
            total = total + weight * torch.exp(-0.5 * torch.sum((xc @ precision) * xc, dim=1))
        return total

    return f


def minimize_seed(mod: Any, init: torch.Tensor, precisions: list[torch.Tensor],
                  means: list[torch.Tensor], weights: list[float], lr: float, momentum: float,
                  max_iter: int = 500) -> dict[str, Any]:
    """The seed notebook's ``minimize`` loop with the student's ``MomentumGradientDescent``.

    Returns the iterates before each step (``trace``, shape (n_steps, 2)) and whether the
    gradient's squared norm fell under 1e-6 within ``max_iter`` iterations.
    """
    f = _objective(precisions, means, weights)
    iterate = init.detach().clone().requires_grad_()
    optimizer = mod.MomentumGradientDescent([iterate], lr=lr, momentum=momentum)
    record = []
    converged = False
    for _ in range(max_iter):
        optimizer.zero_grad()
        value = f(iterate)
        value.backward()
        if float(torch.sum(iterate.grad ** 2)) < 1e-6:
            converged = True
            break
        record.append(iterate.detach().clone())
        optimizer.step()
    trace = torch.stack(record) if record else init.new_zeros((0, init.numel()))
    return {"trace": trace, "converged": converged, "final": iterate.detach().clone()}
