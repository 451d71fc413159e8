"""A correct gradient_descent: torch.optim.SGD over the one parameter, zero_grad() then
backward() then step(); the iterates kept as numpy copies and stacked at the end."""

import numpy as np
import torch


def gradient_descent(objective, step_size=0.05, max_iter=100, init=0.0):
    theta_hat = torch.tensor(init, requires_grad=True)
    optimizer = torch.optim.SGD([theta_hat], lr=step_size)
    thetas = [theta_hat.detach().numpy().copy()]
    objs = [objective(theta_hat).detach().numpy()]
    for _ in range(max_iter):
        optimizer.zero_grad()
        loss = objective(theta_hat)
        loss.backward()
        optimizer.step()
        thetas.append(theta_hat.detach().numpy().copy())
        objs.append(objective(theta_hat).detach().numpy())
    return np.stack(thetas), np.stack(objs)
