"""Mutant: returns loss.item(), a python float, instead of the 0-d tensor."""

_reference_train_one_step = train_one_step


def train_one_step(model, optimizer, X, y):
    return _reference_train_one_step(model, optimizer, X, y).item()
