"""Mutant: garbage of the right shape, dtype and device from forward: NaN."""

import torch


def forward(self, X):
    return torch.full_like(self.linear2(torch.relu(self.linear1(X))), float("nan"))


MyTwoLayerMLP.forward = forward
