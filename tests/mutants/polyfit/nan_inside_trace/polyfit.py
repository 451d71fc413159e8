"""Mutant: mse_trace is NaN between its first and its last step."""

_reference_train = train


def train(x, y, n_steps=200_000, lr=1e-5, degree=4, backend="numpy", device="cpu"):
    out = _reference_train(x, y, n_steps, lr, degree, backend, device)
    out["mse_trace"][1:-1] = float("nan")
    return out
