"""A correct mlp: an nn.Sequential(Linear, ReLU, Linear) runs the forward pass, and its two
layers are also kept as linear1 and linear2 (the same modules, registered second);
nn.MSELoss as the loss."""

import torch
from torch import nn


class MyTwoLayerMLP(nn.Module):
    def __init__(self, num_input_nodes, num_hidden_nodes, num_out_nodes):
        super().__init__()
        self.num_input_nodes = num_input_nodes
        self.num_hidden_nodes = num_hidden_nodes
        self.num_out_nodes = num_out_nodes
        self.net = nn.Sequential(nn.Linear(num_input_nodes, num_hidden_nodes), nn.ReLU(),
                                 nn.Linear(num_hidden_nodes, num_out_nodes))
        self.linear1 = self.net[0]
        self.linear2 = self.net[2]

    def forward(self, X):
        return self.net(X)


def generate_data(N, num_in=3):
    X = torch.randn((N, num_in))
    y = torch.sum(X ** 2, axis=1, keepdim=True)
    return X, y


def train_one_step(model, optimizer, X, y):
    loss_fn = nn.MSELoss()
    optimizer.zero_grad()
    loss = loss_fn(model(X), y)
    loss.backward()
    optimizer.step()
    return loss
