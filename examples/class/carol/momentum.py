"""Reference solution: gradient descent and gradient descent with (heavy-ball) momentum.

Same trajectory as ``torch.optim.SGD(params, lr, momentum=m, dampening=0, nesterov=False)``.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch


class GradientDescent:
    """p <- p - lr * p.grad for every param that has a gradient, in place."""

    def __init__(self, params: Iterable[torch.Tensor], lr: float = 0.1):
        self.params = list(params)
        self.lr = lr

    def step(self) -> None:
        with torch.no_grad():
            for param in self.params:
                if param.grad is None:
                    continue
                param -= self.lr * param.grad

    def zero_grad(self) -> None:
        for param in self.params:
            if param.grad is not None:
                param.grad.zero_()


class MomentumGradientDescent(GradientDescent):
    """v <- momentum * v + p.grad, then p <- p - lr * v; one velocity per param."""

    def __init__(self, params: Iterable[torch.Tensor], lr: float = 0.1, momentum: float = 0.9):
        super().__init__(params, lr)
        self.momentum = momentum
        self.velocities = [torch.zeros_like(param, requires_grad=False) for param in self.params]

    def step(self) -> None:
        with torch.no_grad():
            for param, velocity in zip(self.params, self.velocities, strict=True):
                if param.grad is None:
                    continue
                velocity.mul_(self.momentum).add_(param.grad)
                param -= self.lr * velocity


def broken(:
    pass
