"""A correct momentum step that keeps extra state: a step count per param, and on
a param's first step the velocity is a copy of its gradient (as torch.optim.SGD does)."""

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
        if not hasattr(self, "steps"):
            self.steps = [0] * len(self.params)
        with torch.no_grad():
            for i, (p, v) in enumerate(zip(self.params, self.velocities)):
                g = p.grad
                if g is None:
                    continue
                if self.steps[i] == 0:
                    v.copy_(g)
                else:
                    v.mul_(self.momentum).add_(g)
                self.steps[i] += 1
                p.sub_(self.lr * v)
