"""Mutant: w += lr * grad (gradient ascent) on every backend."""

_reference_train = train


def train(x, y, n_steps=200_000, lr=1e-5, degree=4, backend="numpy", device="cpu"):
    return _reference_train(x, y, n_steps, -lr, degree, backend, device)  # w -= (-lr) * grad
