"""A correct momentum step: a loop over indices with augmented assignments."""

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
            for i in range(len(self.params)):
                p = self.params[i]
                if p.grad is None:
                    continue
                self.velocities[i] *= self.momentum
                self.velocities[i] += p.grad
                p -= self.lr * self.velocities[i]
