"""A correct gradient_descent: the iterates and objective values collected as detached
tensors (clones) and turned into numpy once, with torch.stack."""

import torch


def gradient_descent(objective, step_size=0.05, max_iter=100, init=0.0):
    theta = torch.tensor(init, requires_grad=True)
    thetas, objs = [theta.detach().clone()], [objective(theta).detach()]
    for _ in range(max_iter):
        theta.grad = None
        objective(theta).backward()
        with torch.no_grad():
            theta.sub_(step_size * theta.grad)
        thetas.append(theta.detach().clone())
        objs.append(objective(theta).detach())
    return torch.stack(thetas).numpy(), torch.stack(objs).numpy()
