"""A correct gradient_descent that evaluates the objective once per iterate: each
iteration records theta and the objective it is about to differentiate, and the last
iterate is recorded after the loop."""

import numpy as np
import torch


def gradient_descent(objective, step_size=0.05, max_iter=100, init=0.0):
    theta = torch.tensor(init, requires_grad=True)
    theta_arr, obj_arr = [], []
    for _ in range(max_iter):
        if theta.grad is not None:
            theta.grad.zero_()
        out = objective(theta)
        theta_arr.append(theta.item())
        obj_arr.append(out.item())
        out.backward()
        with torch.no_grad():
            theta -= step_size * theta.grad
    theta_arr.append(theta.item())
    obj_arr.append(objective(theta).item())
    return np.array(theta_arr, dtype=np.float32), np.array(obj_arr, dtype=np.float32)
