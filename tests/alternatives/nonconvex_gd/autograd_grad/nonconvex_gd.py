"""A correct gradient_descent: torch.autograd.grad each step and a fresh leaf per iterate,
the values collected as python floats and turned into float32 arrays at the end."""

import numpy as np
import torch


def gradient_descent(objective, step_size=0.05, max_iter=100, init=0.0):
    theta = torch.tensor(float(init), dtype=torch.float32).requires_grad_()
    thetas, values = [theta.item()], [objective(theta).item()]
    for _ in range(max_iter):
        (slope,) = torch.autograd.grad(objective(theta), theta)
        theta = (theta.detach() - step_size * slope).requires_grad_()
        thetas.append(theta.item())
        with torch.no_grad():
            values.append(objective(theta).item())
    return np.array(thetas, dtype=np.float32), np.array(values, dtype=np.float32)
