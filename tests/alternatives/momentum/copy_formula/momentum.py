"""A correct momentum step: the formula computed out of place, copied into both tensors."""

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

    def step(self):
        with torch.no_grad():
            for p, v in zip(self.params, self.velocities):
                if p.grad is not None:
                    v.copy_(self.momentum * v + p.grad)
                    p.copy_(p - self.lr * v)
