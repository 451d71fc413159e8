"""A correct momentum step: torch._foreach_* over the params that have a gradient."""

import torch


class GradientDescent:
    def __init__(self, params, lr=0.1):
        self.params = list(params)
        self.lr = lr

    def step(self):
        with torch.no_grad():
            for param in self.params:
                if param.grad is None:
                    continue
                param -= self.lr * param.grad

    def zero_grad(self):
        for param in self.params:
            if param.grad is not None:
                param.grad.zero_()


class MomentumGradientDescent(GradientDescent):
    def __init__(self, params, lr=0.1, momentum=0.9):
        super().__init__(params, lr)
        self.momentum = momentum
        self.velocities = [torch.zeros_like(p) for p in self.params]

    def step(self):
        with torch.no_grad():
            pairs = [(p, v) for p, v in zip(self.params, self.velocities) if p.grad is not None]
            if not pairs:
                return
            params = [p for p, _ in pairs]
            velocities = [v for _, v in pairs]
            torch._foreach_mul_(velocities, self.momentum)
            torch._foreach_add_(velocities, [p.grad for p in params])
            torch._foreach_add_(params, velocities, alpha=-self.lr)
