"""A correct momentum step: torch.optim.SGD does the step; its momentum buffers are the velocities."""

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
        self._sgd = torch.optim.SGD(self.params, lr=lr, momentum=momentum)
        for p, v in zip(self.params, self.velocities):
            self._sgd.state[p]["momentum_buffer"] = v

    def step(self):
        self._sgd.param_groups[0]["lr"] = self.lr
        self._sgd.param_groups[0]["momentum"] = self.momentum
        self._sgd.step()
