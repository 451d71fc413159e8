"""A correct gradient_descent: the gradient reset to None, sub_ in place, arrays preallocated."""

import numpy as np
import torch


def gradient_descent(objective, step_size=0.05, max_iter=100, init=0.0):
    theta = torch.tensor(init, requires_grad=True)
    theta_arr = np.empty(max_iter + 1, dtype=np.float32)
    obj_arr = np.empty(max_iter + 1, dtype=np.float32)
    with torch.no_grad():
        theta_arr[0], obj_arr[0] = theta.item(), objective(theta).item()
    for k in range(1, max_iter + 1):
        theta.grad = None
        objective(theta).backward()
        with torch.no_grad():
            theta.sub_(step_size * theta.grad)
            theta_arr[k], obj_arr[k] = theta.item(), objective(theta).item()
    return theta_arr, obj_arr
