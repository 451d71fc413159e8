"""A correct mlp: the ReLU an nn.ReLU submodule, the loss an nn.MSELoss kept on the module,
the targets built with torch.norm."""

import torch
from torch import nn


class MyTwoLayerMLP(nn.Module):
    def __init__(self, num_input_nodes, num_hidden_nodes, num_out_nodes):
        super().__init__()
        self.num_input_nodes = num_input_nodes
        self.num_hidden_nodes = num_hidden_nodes
        self.num_out_nodes = num_out_nodes
        self.linear1 = nn.Linear(num_input_nodes, num_hidden_nodes)
        self.relu = nn.ReLU()
        self.linear2 = nn.Linear(num_hidden_nodes, num_out_nodes)

    def forward(self, X):
        X = self.linear1(X)
        X = self.relu(X)
        X = self.linear2(X)
        return X


def generate_data(N, num_in=3):
    X = torch.randn(N, num_in, dtype=torch.float32)
    y = torch.norm(X, dim=1, keepdim=True) ** 2
    return X, y


_criterion = nn.MSELoss(reduction="mean")


def train_one_step(model, optimizer, X, y):
    output = model(X)
    loss = _criterion(output, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss
