"""Mutant: mixes torch.optim.SGD with the lecture's manual update, so every iteration
steps twice."""

import numpy as np
import torch


def gradient_descent(objective, step_size=0.05, max_iter=100, init=0.0):
    theta_hat = torch.tensor(init, requires_grad=True)
    optimizer = torch.optim.SGD([theta_hat], lr=step_size)
    theta_arr = [theta_hat.detach().numpy().copy()]
    obj_arr = [objective(theta_hat).detach().numpy()]
    for _ in range(max_iter):
        optimizer.zero_grad()
        objective(theta_hat).backward()
        optimizer.step()
        with torch.no_grad():
            theta_hat -= step_size * theta_hat.grad
        theta_arr.append(theta_hat.detach().numpy().copy())
        obj_arr.append(objective(theta_hat).detach().numpy())
    return np.array(theta_arr), np.array(obj_arr)
