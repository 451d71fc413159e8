"""Mutant: never zeroes the gradients, so they accumulate across steps."""

import torch


def train_one_step(model, optimizer, X, y):
    loss = torch.mean((model(X) - y) ** 2)
    loss.backward()
    optimizer.step()
    return loss
