"""Mutant: empty results of shapes that broadcast: (N, 0) powers and values, a (D+1, 0) w."""

_reference_dpoly_dw, _reference_train = dpoly_dw, train


def dpoly_dw(x, w):
    return _reference_dpoly_dw(x, w)[:, :0]


def poly(x, w):
    return (_reference_dpoly_dw(x, w) @ w)[:, :0]


def train(x, y, n_steps=200_000, lr=1e-5, degree=4, backend="numpy", device="cpu"):
    out = _reference_train(x, y, 0, lr, degree, backend, device)  # checks the arguments
    return {"w": out["w"][:, :0], "mse_trace": out["mse_trace"], "seconds": 0.0}
