"""Mutant: model(X).squeeze() against an N x 1 y: the difference broadcasts to N x N."""

import torch


def train_one_step(model, optimizer, X, y):
    loss = torch.mean((model(X).squeeze() - y) ** 2)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss
