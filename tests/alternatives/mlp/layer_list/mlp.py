"""A correct mlp: forward walks a plain list of the layers (linear1, an nn.ReLU, linear2),
the loss written out, and the gradients zeroed on the model."""

import torch
from torch import nn


class MyTwoLayerMLP(nn.Module):
    def __init__(self, num_input_nodes, num_hidden_nodes, num_out_nodes):
        super().__init__()
        self.num_input_nodes = num_input_nodes
        self.num_hidden_nodes = num_hidden_nodes
        self.num_out_nodes = num_out_nodes
        self.linear1 = nn.Linear(num_input_nodes, num_hidden_nodes)
        self.linear2 = nn.Linear(num_hidden_nodes, num_out_nodes)
        self._layers = [self.linear1, nn.ReLU(), self.linear2]

    def forward(self, X):
        for layer in self._layers:
            X = layer(X)
        return X


def generate_data(N, num_in=3):
    X = torch.normal(0.0, 1.0, size=(N, num_in))
    y = (X * X).sum(1)[:, None]
    return X, y


def train_one_step(model, optimizer, X, y):
    model.zero_grad()
    residual = model(X) - y
    loss = (residual * residual).mean()
    loss.backward()
    optimizer.step()
    return loss
