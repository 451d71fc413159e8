"""A correct gradient_descent in the older style of the lecture's era: updates and zeroing
through .data, the arrays filled in place."""

import numpy as np
import torch


def gradient_descent(objective, step_size=0.05, max_iter=100, init=0.0):
    theta_hat = torch.tensor(init, requires_grad=True)
    theta_arr = np.zeros(max_iter + 1, dtype=np.float32)
    obj_arr = np.zeros(max_iter + 1, dtype=np.float32)
    theta_arr[0] = theta_hat.data.numpy()
    obj_arr[0] = objective(theta_hat).data.numpy()
    for i in range(max_iter):
        out = objective(theta_hat)
        out.backward()
        theta_hat.data = theta_hat.data - step_size * theta_hat.grad.data
        theta_hat.grad.data.zero_()
        theta_arr[i + 1] = theta_hat.data.numpy()
        obj_arr[i + 1] = objective(theta_hat).data.numpy()
    return theta_arr, obj_arr
