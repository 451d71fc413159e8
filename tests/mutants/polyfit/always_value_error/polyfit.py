"""Mutant: train raises ValueError whatever its arguments."""


def train(x, y, n_steps=200_000, lr=1e-5, degree=4, backend="numpy", device="cpu"):
    raise ValueError(f"bad arguments: backend={backend!r}, device={device!r}")
