"""A correct mlp: forward written with the layers' weights directly (X W^T + b, F.linear),
clamp(min=0) as the ReLU; gradients cleared by hand on every parameter."""

import torch
import torch.nn.functional as F
from torch import nn


class MyTwoLayerMLP(nn.Module):
    def __init__(self, num_input_nodes, num_hidden_nodes, num_out_nodes):
        super().__init__()
        self.num_input_nodes = num_input_nodes
        self.num_hidden_nodes = num_hidden_nodes
        self.num_out_nodes = num_out_nodes
        self.linear1 = nn.Linear(num_input_nodes, num_hidden_nodes)
        self.linear2 = nn.Linear(num_hidden_nodes, num_out_nodes)

    def forward(self, X):
        h = (X @ self.linear1.weight.T + self.linear1.bias).clamp(min=0)
        return F.linear(h, self.linear2.weight, self.linear2.bias)


def generate_data(N, num_in=3):
    X = torch.empty(N, num_in).normal_()
    y = (X ** 2).sum(1).unsqueeze(1)
    return X, y


def train_one_step(model, optimizer, X, y):
    for p in model.parameters():
        p.grad = None
    y_pred = model(X)
    loss = ((y_pred - y) ** 2).sum() / y_pred.numel()
    loss.backward()
    optimizer.step()
    return loss.detach()
