"""Mutant: the torch backends move w and mse_trace to the CPU before returning."""

_reference_train = train


def train(x, y, n_steps=200_000, lr=1e-5, degree=4, backend="numpy", device="cpu"):
    out = _reference_train(x, y, n_steps, lr, degree, backend, device)
    if backend != "numpy":
        out["w"], out["mse_trace"] = out["w"].to("cpu"), out["mse_trace"].to("cpu")
    return out
