"""Mutant: returns loss.item(), a python float, instead of the 0-d tensor."""

import torch


def train_one_step(model, optimizer, X, y):
    loss = torch.mean((model(X) - y) ** 2)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()
