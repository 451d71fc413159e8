"""Mutant: the mean over the samples only (dim=0): one loss per output column, not a 0-d
tensor."""

import torch


def train_one_step(model, optimizer, X, y):
    losses = torch.mean((model(X) - y) ** 2, dim=0)
    optimizer.zero_grad()
    losses.sum().backward()
    optimizer.step()
    return losses
