"""Exercise: the autograd lab's two-layer MLP, its data, and one step of training.

Write the three pieces so that ``pytest`` passes (see ``spec_tests/test_mlp.py``).
"""

from __future__ import annotations

import torch
from torch import nn


class MyTwoLayerMLP(nn.Module):
    """``linear1`` (num_input_nodes -> num_hidden_nodes), a ReLU, ``linear2``
    (num_hidden_nodes -> num_out_nodes): two ``nn.Linear`` layers with biases, under those
    names, and the three sizes kept as attributes of the same names as the arguments.
    ``forward(X)`` works on a batch (N x num_input_nodes) and on one sample (a vector)."""

    def __init__(self, num_input_nodes: int, num_hidden_nodes: int, num_out_nodes: int):
        super().__init__()
        raise NotImplementedError("TODO: keep the sizes and make linear1 and linear2")

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("TODO: linear1, then torch.relu, then linear2")


def generate_data(N: int, num_in: int = 3) -> tuple[torch.Tensor, torch.Tensor]:
    """``N`` samples X (N x num_in, float32, standard normal from torch's global generator,
    so ``torch.manual_seed`` makes them reproducible) and their targets ``y = x_1^2 + ... +
    x_num_in^2`` as an N x 1 column (not a vector of N)."""
    raise NotImplementedError("TODO: generate X and y = sum of squares as N x 1")


def train_one_step(model: nn.Module, optimizer: torch.optim.Optimizer, X: torch.Tensor,
                   y: torch.Tensor) -> torch.Tensor:
    """One step of gradient descent on the mean squared error of ``model(X)`` against ``y``:
    zero the gradients, backward, ``optimizer.step()``. Return the loss (a 0-d tensor) of the
    prediction made before the step."""
    raise NotImplementedError("TODO: implement train_one_step")
