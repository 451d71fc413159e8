"""Mutant: the sum of squared errors instead of their mean."""

import torch


def train_one_step(model, optimizer, X, y):
    loss = torch.sum((model(X) - y) ** 2)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss
