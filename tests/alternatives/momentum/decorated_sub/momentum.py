"""A correct momentum step: @torch.no_grad() on step, separate in-place ops."""

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
        self.velocities = [torch.zeros_like(param, requires_grad=False) for param in self.params]

    @torch.no_grad()
    def step(self):
        for p, v in zip(self.params, self.velocities):
            if p.grad is not None:
                v.mul_(self.momentum)
                v.add_(p.grad)
                p.sub_(self.lr * v)
