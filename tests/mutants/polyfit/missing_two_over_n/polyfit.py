"""Mutant: the hand-written gradient is Phi^T (y - Phi w), without the -2/N factor."""

_reference_train = train


def train(x, y, n_steps=200_000, lr=1e-5, degree=4, backend="numpy", device="cpu"):
    if backend in ("numpy", "torch"):  # their step is w += (2 lr / N) Phi^T r: drop the 2 / N
        lr = lr * len(x) / 2
    return _reference_train(x, y, n_steps, lr, degree, backend, device)
