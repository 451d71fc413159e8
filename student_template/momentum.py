"""Exercise: gradient descent with momentum.

``GradientDescent`` is given. Write ``MomentumGradientDescent.step`` so that ``pytest`` passes
(see ``spec_tests/test_momentum.py``).
"""

from __future__ import annotations

from collections.abc import Iterable

import torch


class GradientDescent:
    """Plain gradient descent: p <- p - lr * p.grad for every param that has a gradient."""

    def __init__(self, params: Iterable[torch.Tensor], lr: float = 0.1):
        self.params = list(params)
        self.lr = lr

    def step(self) -> None:
        with torch.no_grad():
            # Do not record the update: it is not part of the function being minimised.
            for param in self.params:
                if param.grad is None:
                    continue
                param -= self.lr * param.grad

    def zero_grad(self) -> None:
        for param in self.params:
            if param.grad is not None:
                param.grad.zero_()


class MomentumGradientDescent(GradientDescent):
    """Gradient descent with momentum; keeps one velocity per param."""

    def __init__(self, params: Iterable[torch.Tensor], lr: float = 0.1, momentum: float = 0.9):
        super().__init__(params, lr)
        self.momentum = momentum
        self.velocities = [torch.zeros_like(param, requires_grad=False) for param in self.params]

    def step(self) -> None:
        """Update every param p that has a gradient g, with its velocity v:

            v <- momentum * v + g
            p <- p - lr * v

        The params are updated in place (the caller's tensor objects keep changing), under
        ``torch.no_grad()`` so that autograd does not record the updates; each velocity may
        be updated in place or replaced by a new tensor in ``self.velocities``. Params whose
        ``.grad`` is None are skipped. The trajectory equals ``torch.optim.SGD(params, lr=lr,
        momentum=momentum)``'s.
        """
        raise NotImplementedError("TODO: implement the momentum update of step()")
