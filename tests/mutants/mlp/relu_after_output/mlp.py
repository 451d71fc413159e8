"""Mutant: applies the ReLU after the output layer too."""

import torch


def forward(self, X):
    return torch.relu(self.linear2(torch.relu(self.linear1(X))))


MyTwoLayerMLP.forward = forward
