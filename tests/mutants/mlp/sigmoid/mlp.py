"""Mutant: a sigmoid instead of the ReLU."""

import torch


def forward(self, X):
    return self.linear2(torch.sigmoid(self.linear1(X)))


MyTwoLayerMLP.forward = forward
