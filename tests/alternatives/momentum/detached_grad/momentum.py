"""A correct momentum step: grad detached, zip(strict=True), the update as p -= lr * v."""

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
            for param, velocity in zip(self.params, self.velocities, strict=True):
                if param.grad is None:
                    continue
                grad = param.grad.detach()
                velocity.mul_(self.momentum)
                velocity.add_(grad)
                param -= self.lr * velocity
