"""Reference solution: the autograd lab's two-layer MLP, its data and one training step."""

from __future__ import annotations

import torch
from torch import nn


class MyTwoLayerMLP(nn.Module):
    """linear1 -> ReLU -> linear2, as in the lab."""

    def __init__(self, num_input_nodes: int, num_hidden_nodes: int, num_out_nodes: int):
        super().__init__()
        self.num_input_nodes = num_input_nodes
        self.num_hidden_nodes = num_hidden_nodes
        self.num_out_nodes = num_out_nodes
        self.linear1 = nn.Linear(num_input_nodes, num_hidden_nodes)
        self.linear2 = nn.Linear(num_hidden_nodes, num_out_nodes)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.linear2(torch.relu(self.linear1(X)))


def generate_data(N: int, num_in: int = 3) -> tuple[torch.Tensor, torch.Tensor]:
    """N standard normal samples of num_in features (torch's global generator) and their
    targets y = sum_i x_i^2, as an N x 1 column."""
    X = torch.randn(N, num_in)
    y = torch.square(X).sum(dim=1).reshape(N, 1)
    return X, y


def train_one_step(model: nn.Module, optimizer: torch.optim.Optimizer, X: torch.Tensor,
                   y: torch.Tensor) -> torch.Tensor:
    """One step of gradient descent on the mean squared error; the loss before the step."""
    y_pred = model(X)
    loss = torch.mean((y_pred - y) ** 2)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss
