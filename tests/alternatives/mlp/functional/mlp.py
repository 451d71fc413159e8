"""A correct mlp written with torch.nn.functional: F.relu, F.mse_loss, zero_grad(set_to_none)."""

import torch
import torch.nn.functional as F
from torch import nn


class MyTwoLayerMLP(nn.Module):
    def __init__(self, num_input_nodes, num_hidden_nodes, num_out_nodes):
        super().__init__()
        self.num_input_nodes, self.num_hidden_nodes, self.num_out_nodes = (
            num_input_nodes, num_hidden_nodes, num_out_nodes)
        self.linear1 = nn.Linear(num_input_nodes, num_hidden_nodes)
        self.linear2 = nn.Linear(num_hidden_nodes, num_out_nodes)

    def forward(self, X):
        return self.linear2(F.relu(self.linear1(X)))


def generate_data(N, num_in=3):
    X = torch.randn(N, num_in)
    return X, X.pow(2).sum(dim=1, keepdim=True)


def train_one_step(model, optimizer, X, y):
    optimizer.zero_grad(set_to_none=True)
    loss = F.mse_loss(model(X), y)
    loss.backward()
    optimizer.step()
    return loss.detach()
