"""Mutant: zeroes the gradients after backward(), so the step moves nothing."""

import torch


def train_one_step(model, optimizer, X, y):
    loss = torch.mean((model(X) - y) ** 2)
    loss.backward()
    optimizer.zero_grad()
    optimizer.step()
    return loss
