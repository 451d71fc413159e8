"""Mutant: the numpy backend accepts any device instead of raising ValueError."""

_reference_train = train


def train(x, y, n_steps=200_000, lr=1e-5, degree=4, backend="numpy", device="cpu"):
    if backend == "numpy":
        _device_type(device)  # a name torch does not know still raises
        device = "cpu"
    return _reference_train(x, y, n_steps, lr, degree, backend, device)
