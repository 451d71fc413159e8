"""Mutant: returns python lists of floats instead of numpy arrays."""

import torch


def gradient_descent(objective, step_size=0.05, max_iter=100, init=0.0):
    theta_hat = torch.tensor(init, requires_grad=True)
    theta_arr = [theta_hat.item()]
    obj_arr = [objective(theta_hat).item()]
    for _ in range(max_iter):
        if theta_hat.grad is not None:
            theta_hat.grad.zero_()
        objective(theta_hat).backward()
        with torch.no_grad():
            theta_hat -= step_size * theta_hat.grad
        theta_arr.append(theta_hat.item())
        obj_arr.append(objective(theta_hat).item())
    return theta_arr, obj_arr
