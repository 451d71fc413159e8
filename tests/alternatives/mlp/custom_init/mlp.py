"""A correct mlp with its own initialisation (Kaiming for the ReLU layer, Xavier for the
output, zero biases): the spec fixes the architecture, not the initial weights."""

import torch
from torch import nn


class MyTwoLayerMLP(nn.Module):
    def __init__(self, num_input_nodes, num_hidden_nodes, num_out_nodes):
        super(MyTwoLayerMLP, self).__init__()
        self.num_input_nodes = num_input_nodes
        self.num_hidden_nodes = num_hidden_nodes
        self.num_out_nodes = num_out_nodes
        self.linear1 = nn.Linear(num_input_nodes, num_hidden_nodes, bias=True)
        self.linear2 = nn.Linear(num_hidden_nodes, num_out_nodes, bias=True)
        nn.init.kaiming_normal_(self.linear1.weight, nonlinearity="relu")
        nn.init.xavier_uniform_(self.linear2.weight)
        nn.init.zeros_(self.linear1.bias)
        nn.init.zeros_(self.linear2.bias)

    def forward(self, X):
        return self.linear2(torch.nn.functional.relu(self.linear1(X)))


def generate_data(N, num_in=3):
    X = torch.randn(N, num_in)
    y = torch.stack([torch.sum(x * x) for x in X]).reshape(-1, 1)
    return X, y


def train_one_step(model, optimizer, X, y):
    optimizer.zero_grad()
    pred = model(X)
    loss = torch.mean(torch.square(pred - y))
    loss.backward()
    optimizer.step()
    return loss
