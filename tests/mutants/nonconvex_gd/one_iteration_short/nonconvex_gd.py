"""Mutant: counts the start as an iteration (range(1, max_iter)): max_iter values, one update
short."""

import numpy as np
import torch


def gradient_descent(objective, step_size=0.05, max_iter=100, init=0.0):
    theta_hat = torch.tensor(init, requires_grad=True)
    theta_arr = [theta_hat.detach().numpy().copy()]
    obj_arr = [objective(theta_hat).detach().numpy()]
    for _ in range(1, max_iter):
        if theta_hat.grad is not None:
            theta_hat.grad.zero_()
        objective(theta_hat).backward()
        with torch.no_grad():
            theta_hat -= step_size * theta_hat.grad
        theta_arr.append(theta_hat.detach().numpy().copy())
        obj_arr.append(objective(theta_hat).detach().numpy())
    return np.array(theta_arr), np.array(obj_arr)
