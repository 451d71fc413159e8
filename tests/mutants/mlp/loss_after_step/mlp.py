"""Mutant: returns the loss recomputed after the step, not the one it stepped on."""

import torch


def train_one_step(model, optimizer, X, y):
    loss = torch.mean((model(X) - y) ** 2)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        return torch.mean((model(X) - y) ** 2)
