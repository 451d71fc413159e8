"""Fitting a polynomial by gradient descent on numpy, torch and torch autograd (reference).

The seed notebook's algorithm, unchanged: w0 = 0, then ``n_steps`` sequential steps of
``grad = -2/N Phi^T (y - Phi w)``, ``w -= lr * grad``, where ``Phi = x ** (0..degree)``;
``mse_trace[k]`` is the MSE *before* step k's update.

dtype: the ``numpy`` backend computes in float64. The torch backends compute in x's dtype when
x is a floating-point tensor, otherwise in float32 like the seed (x, y given as numpy arrays).

Why it is fast (same arithmetic as the seed, less overhead per step):
  * Phi and Phi^T are computed once, not every step;
  * each step of the hand-written backends is two matrix-vector calls and nothing else: the
    residual ``r = [y | -Phi] @ [1; w]`` (``y - Phi w`` in one product) written straight into
    a preallocated residual buffer, then the update ``w += (2 lr / N) Phi^T r`` (numpy: the
    update is a product too, written into the next row of the buffer, see ``_train_numpy``);
  * the MSE of each step is the mean square of that step's residual, reduced for a whole block
    of steps at once: no per-step reduction, ``.item()`` or host sync;
  * the autograd backend, for short runs, calls ``torch.autograd.grad`` on each step's MSE (a
    small graph: ``mse_loss(Phi @ w, y)``), updates w through a detached alias (no ``no_grad``
    switching per step) and stacks the MSEs once per block. One autograd-engine call per step
    costs far more than the two-call hand-written step;
  * so for long CPU runs (``polyfit_compiled.COMPILE_MIN_STEPS`` and more) it runs the whole
    loop compiled ahead of time, autograd still deriving the gradient: ``polyfit_compiled.py``,
    beside this module. Where that loop cannot be built or loaded, the eager loop runs
    instead. ``python -m benchmarks --only polyfit`` measures both.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

try:  # the module beside this one, as reference.polyfit or as a submission's top-level polyfit
    from . import polyfit_compiled
except ImportError:
    import polyfit_compiled

BACKENDS = ("numpy", "torch", "autograd")
#: Elements of the residual buffer: steps are processed in blocks of this many residuals.
RESIDUAL_BUFFER = 1 << 20
#: The torch backend's residual buffer: at most torch's parallel grain (32768 elements), so
#: that each block's MSE reduction runs on the calling thread. A parallel reduction wakes the
#: OpenMP workers, and their spinning afterwards slows the sequential steps that follow (about
#: 1.5 us of CPU a step measured on 2 cores, with 10 000-step blocks).
TORCH_RESIDUAL_BUFFER = 1 << 15
#: Steps per block of the autograd backend (MSE tensors held before one stack).
AUTOGRAD_BLOCK = 4096

Array = np.ndarray | torch.Tensor


def dpoly_dw(x: Array, w: Array) -> Array:
    """The N x (D+1) matrix of powers x**0 .. x**D (D+1 = len(w)): d poly(x, w) / dw."""
    n_coeffs = w.shape[0]
    if isinstance(x, torch.Tensor):
        exponents = torch.arange(n_coeffs, dtype=x.dtype, device=x.device)
        return x.reshape(-1, 1) ** exponents
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    return x.reshape(-1, 1) ** np.arange(n_coeffs, dtype=dtype)


def poly(x: Array, w: Array) -> Array:
    """The polynomial sum_i w_i x**i at every sample: N x 1."""
    return dpoly_dw(x, w) @ w


def train(x: Any, y: Any, n_steps: int = 200_000, lr: float = 1e-5, degree: int = 4,
          backend: str = "numpy", device: str = "cpu") -> dict[str, Any]:
    """Fit ``poly(x, w)`` to y by ``n_steps`` of gradient descent on the MSE from w = 0.

    Returns ``{"w": (degree+1) x 1, "mse_trace": (n_steps,), "seconds": float}``: ndarrays for
    the numpy backend, detached tensors on ``device`` for the torch backends.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}: choose one of {', '.join(BACKENDS)}")
    device_type = _device_type(device)
    if backend == "numpy" and device_type != "cpu":
        raise ValueError(f"the numpy backend runs on the CPU only, not on device {device!r}: "
                         "use backend='torch' or 'autograd' for other devices")
    n_steps, degree = int(n_steps), int(degree)
    if n_steps < 0 or degree < 0:
        raise ValueError(f"n_steps and degree must be >= 0, got {n_steps} and {degree}")
    start = time.perf_counter()
    if backend == "numpy":
        w, trace = _train_numpy(x, y, n_steps, float(lr), degree)
    else:
        xt, yt = _as_tensors(x, y, device)
        run = _train_torch if backend == "torch" else _train_autograd
        w, trace = run(xt, yt, n_steps, float(lr), degree)
        _synchronize(xt.device)
    return {"w": w, "mse_trace": trace, "seconds": time.perf_counter() - start}


def _device_type(device: Any) -> str:
    try:
        return torch.device(device).type
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"unknown device {device!r}: {exc}") from None


def _as_tensors(x: Any, y: Any, device: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """x and y as N x 1 tensors on ``device``: x's floating dtype, else float32."""
    if isinstance(x, torch.Tensor) and x.is_floating_point():
        dtype = x.dtype
    else:
        dtype = torch.float32
    xt = torch.as_tensor(x).detach().to(device=device, dtype=dtype).reshape(-1, 1)
    yt = torch.as_tensor(y).detach().to(device=device, dtype=dtype).reshape(-1, 1)
    return xt, yt


def _synchronize(device: torch.device) -> None:
    """Wait for queued GPU work, so that ``seconds`` is the time of the whole computation."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def _blocks(n_steps: int, block: int) -> Iterator[tuple[int, int]]:
    for begin in range(0, n_steps, block):
        yield begin, min(begin + block, n_steps)


def _train_numpy(x: Any, y: Any, n_steps: int, lr: float, degree: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Every step is two ``ndarray.dot`` calls on one row ``[1, w_k, r_k]`` of a buffer:
    ``r_k = [y | -Phi] [1; w_k]``, then ``w_{k+1} = [0 | I | (2 lr / N) Phi^T] [1; w_k; r_k]``
    written into the next row (float64 only: w joins the sum of the update's small terms)."""
    x = np.asarray(x, dtype=np.float64).reshape(-1, 1)
    y = np.asarray(y, dtype=np.float64).reshape(-1, 1)
    n, m = x.shape[0], degree + 1
    phi = dpoly_dw(x, np.zeros((m, 1)))
    residual_of = np.hstack([y, -phi])
    update_of = np.hstack([np.zeros((m, 1)), np.eye(m), (2.0 * lr / n) * phi.T])
    trace = np.empty(n_steps)
    block = max(1, min(n_steps, RESIDUAL_BUFFER // (1 + m + n)))
    rows = np.empty((block + 1, 1 + m + n))
    rows[:, 0] = 1.0
    rows[0, 1:1 + m] = 0.0                                  # w0 = 0
    for begin, end in _blocks(n_steps, block):
        k = end - begin
        residuals = rows[:k, 1 + m:]
        for head, r, row, w_next in zip(rows[:k, :1 + m], residuals, rows[:k],
                                        rows[1:k + 1, 1:1 + m], strict=True):
            residual_of.dot(head, out=r)                    # r = y - Phi w
            update_of.dot(row, out=w_next)                  # w + (2 lr / N) Phi^T r
        trace[begin:end] = np.einsum("ki,ki->k", residuals, residuals) / n
        rows[0, 1:1 + m] = rows[k, 1:1 + m]                 # the next block goes on from w
    return rows[0, 1:1 + m].reshape(-1, 1).copy(), trace


def _train_torch(x: torch.Tensor, y: torch.Tensor, n_steps: int, lr: float, degree: int
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    n = x.shape[0]
    with torch.no_grad():
        z = torch.zeros(degree + 2, dtype=x.dtype, device=x.device)
        z[0] = 1.0
        w = z[1:]                                           # z = [1; w]: w is a view of z
        phi = dpoly_dw(x, w)
        residual_of = torch.cat([y, -phi], dim=1)           # r = [y | -Phi] z = y - Phi w
        phi_t = phi.t().contiguous()
        scale = 2.0 * lr / n
        trace = torch.empty(n_steps, dtype=x.dtype, device=x.device)
        block = max(1, min(n_steps, TORCH_RESIDUAL_BUFFER // max(n, 1)))
        residuals = torch.empty(block, n, dtype=x.dtype, device=x.device)
        for begin, end in _blocks(n_steps, block):
            rows = residuals[:end - begin]
            for r in rows.unbind(0):
                torch.mv(residual_of, z, out=r)             # r = y - Phi w
                w.addmv_(phi_t, r, alpha=scale)             # w -= lr * (-2/N Phi^T r)
            torch.mean(rows.square(), dim=1, out=trace[begin:end])
    return w.reshape(-1, 1).clone(), trace


def _train_autograd(x: torch.Tensor, y: torch.Tensor, n_steps: int, lr: float, degree: int
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    if (n_steps >= polyfit_compiled.COMPILE_MIN_STEPS and x.device.type == "cpu"
            and x.dtype in (torch.float32, torch.float64)):
        phi = dpoly_dw(x, torch.zeros(degree + 1, 1, dtype=x.dtype))
        compiled = polyfit_compiled.descend(phi, y, n_steps, lr)
        if compiled is not None:
            return compiled
    return _train_autograd_eager(x, y, n_steps, lr, degree)


def _train_autograd_eager(x: torch.Tensor, y: torch.Tensor, n_steps: int, lr: float,
                          degree: int) -> tuple[torch.Tensor, torch.Tensor]:
    w = torch.zeros(degree + 1, 1, dtype=x.dtype, device=x.device, requires_grad=True)
    w_data = w.detach()  # shares w's storage: updating it is not recorded by autograd
    phi = dpoly_dw(x, w_data)
    trace = torch.empty(n_steps, dtype=x.dtype, device=x.device)
    for begin, end in _blocks(n_steps, AUTOGRAD_BLOCK):
        losses = []
        for _ in range(end - begin):
            mse = F.mse_loss(phi @ w, y)
            (grad,) = torch.autograd.grad(mse, w)
            w_data.sub_(grad, alpha=lr)
            losses.append(mse.detach())
        torch.stack(losses, out=trace[begin:end])
    return w_data, trace

