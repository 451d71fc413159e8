"""Mutant: the squared errors summed and divided by the number of rows, len(y): the mean
only when there is one output."""

import torch


def train_one_step(model, optimizer, X, y):
    loss = torch.sum((model(X) - y) ** 2) / len(y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss
