"""Mutant: no torch.no_grad(): the new params are recorded by autograd."""


def step(self):
    for i, (p, v) in enumerate(zip(self.params, self.velocities)):
        if p.grad is not None:
            v.mul_(self.momentum).add_(p.grad)
            self.params[i] = p - self.lr * v


MomentumGradientDescent.step = step
