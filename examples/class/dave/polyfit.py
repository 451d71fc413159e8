"""Fitting a polynomial by gradient descent on numpy, torch and torch autograd (reference).

The seed notebook's algorithm, unchanged: w0 = 0, then ``n_steps`` sequential steps of
``grad = -2/N Phi^T (y - Phi w)``, ``w -= lr * grad``, where ``Phi = x ** (0..degree)``;
``mse_trace[k]`` is the MSE *before* step k's update.

dtype: the ``numpy`` backend computes in float64. The torch backends compute in x's dtype when
x is a floating-point tensor, otherwise in float32 like the seed (x, y given as numpy arrays).

Why it is fast (same arithmetic as the seed, less overhead per step):
  * Phi and Phi^T are computed once, not every step;
  * each step of the hand-written backends is two fused in-place calls: ``r = y - Phi w``
    written straight into a preallocated residual buffer, then ``w += (2 lr / N) Phi^T r``;
  * the MSE of each step is the mean square of that step's residual, reduced for a whole block
    of steps at once: no per-step reduction, ``.item()`` or host sync;
  * the autograd backend, for short runs, calls ``torch.autograd.grad`` on each step's MSE (a
    small graph: ``mse_loss(Phi @ w, y)``), updates w through a detached alias (no ``no_grad``
    switching per step) and stacks the MSEs once per block. One autograd-engine call per step
    costs far more than the two-call hand-written step;
  * so for long CPU runs (``COMPILE_MIN_STEPS`` and more) it runs the whole loop compiled
    ahead of time: ``torch.func.grad_and_value`` of the same MSE (autograd derives the backward
    pass; no gradient formula is written here) inside ``scan``, exported with ``torch.export``
    and compiled by AOTInductor into a shared library kept on disk (``compiled_program_path``).
    Building it takes seconds, once per machine and torch version (the first long run builds
    it); every later process loads it in milliseconds. Where it cannot be built or loaded,
    the eager loop runs instead. ``python -m benchmarks --only polyfit`` measures both.
"""

from __future__ import annotations

import functools
import os
import platform
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

BACKENDS = ("numpy", "torch", "autograd")
#: Elements of the residual buffer: steps are processed in blocks of this many residuals.
RESIDUAL_BUFFER = 1 << 20
#: Steps per block of the autograd backend (MSE tensors held before one stack).
AUTOGRAD_BLOCK = 4096
#: Fewest steps for which the autograd backend runs its compiled loop (CPU, float32/64): the
#: eager loop costs ~55 us a step, building the compiled loop ~10-20 s once per machine.
COMPILE_MIN_STEPS = 100_000
#: Folder of the compiled loops, overriding ``$XDG_CACHE_HOME/gradspec/aot``.
AOT_CACHE_ENV = "GRADSPEC_AOT_CACHE"

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
    x = np.asarray(x, dtype=np.float64).reshape(-1, 1)
    y = np.asarray(y, dtype=np.float64).reshape(-1, 1)
    n = x.shape[0]
    w = np.zeros((degree + 1, 1))
    phi = dpoly_dw(x, w)
    phi_t = np.ascontiguousarray(phi.T)
    step = np.empty_like(w)
    scale = 2.0 * lr / n
    trace = np.empty(n_steps)
    block = max(1, min(n_steps, RESIDUAL_BUFFER // max(n, 1)))
    residuals = np.empty((block, n, 1))
    for begin, end in _blocks(n_steps, block):
        rows = residuals[:end - begin]
        for r in rows:
            np.matmul(phi, w, out=r)
            np.subtract(y, r, out=r)            # r = y - Phi w
            np.matmul(phi_t, r, out=step)
            step *= scale
            w += step                           # w -= lr * (-2/N Phi^T r)
        trace[begin:end] = np.einsum("kni,kni->k", rows, rows) / n
    return w, trace


def _train_torch(x: torch.Tensor, y: torch.Tensor, n_steps: int, lr: float, degree: int
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    n = x.shape[0]
    with torch.no_grad():
        w = torch.zeros(degree + 1, 1, dtype=x.dtype, device=x.device)
        phi = dpoly_dw(x, w)
        phi_t = phi.t().contiguous()
        scale = 2.0 * lr / n
        trace = torch.empty(n_steps, dtype=x.dtype, device=x.device)
        block = max(1, min(n_steps, RESIDUAL_BUFFER // max(n, 1)))
        residuals = torch.empty(block, n, 1, dtype=x.dtype, device=x.device)
        for begin, end in _blocks(n_steps, block):
            rows = residuals[:end - begin]
            for r in rows.unbind(0):
                torch.addmm(y, phi, w, alpha=-1.0, out=r)   # r = y - Phi w
                w.addmm_(phi_t, r, alpha=scale)             # w -= lr * (-2/N Phi^T r)
            torch.mean(rows.square(), dim=(1, 2), out=trace[begin:end])
    return w, trace


def _train_autograd(x: torch.Tensor, y: torch.Tensor, n_steps: int, lr: float, degree: int
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    if (n_steps >= COMPILE_MIN_STEPS and x.device.type == "cpu"
            and x.dtype in (torch.float32, torch.float64)):
        compiled = _train_autograd_compiled(x, y, n_steps, lr, degree)
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


def _mse(w: torch.Tensor, phi: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.mse_loss(phi @ w, y)


def _train_autograd_compiled(x: torch.Tensor, y: torch.Tensor, n_steps: int, lr: float,
                             degree: int) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The compiled loop's (w, trace), or None where it cannot be built or run here."""
    program = _descent_program(x.dtype)
    if program is None:
        return None
    w = torch.zeros(degree + 1, 1, dtype=x.dtype)
    steps = torch.empty(n_steps, 0, dtype=x.dtype)  # scan runs one step per row
    try:
        w_end, trace = program([w, dpoly_dw(x, w), y, steps, torch.tensor(lr, dtype=x.dtype)])
    except Exception:  # a program that does not run here: the eager loop gives the same result
        return None
    return w_end, trace


def compiled_program_path(dtype: torch.dtype) -> Path:
    """Where the compiled loop for ``dtype`` is kept: one file per torch version, CPU
    architecture and vector ISA (the code is compiled for this CPU), dtype.

    The folder is ``$GRADSPEC_AOT_CACHE``, else ``$XDG_CACHE_HOME/gradspec/aot`` (``~/.cache``).
    """
    root = os.environ.get(AOT_CACHE_ENV)
    folder = Path(root) if root else Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gradspec" / "aot"
    isa = torch.backends.cpu.get_cpu_capability().lower()
    name = f"polyfit-descent-torch{torch.__version__}-{platform.machine()}-{isa}-{dtype}"
    return folder / (name.replace("torch.", "").replace("+", "_") + ".pt2")


@functools.cache
def _descent_program(dtype: torch.dtype) -> Callable[[list[torch.Tensor]], list[torch.Tensor]] \
        | None:
    """The compiled loop for ``dtype``, loaded from its file (built first if missing), or None
    where nothing can be built or loaded here (no C++ compiler, no AOTInductor)."""
    path = compiled_program_path(dtype)
    if path.exists():
        try:
            return _load_program(path)
        except Exception:  # a stale or corrupt file: rebuilt below
            pass
    try:  # a failed build is not retried: it would fail the same way
        build_compiled_program(dtype, path)
        return _load_program(path)
    except Exception:
        return None


def _load_program(path: Path) -> Callable[[list[torch.Tensor]], list[torch.Tensor]]:
    # The package's own loader: the public torch._inductor.aoti_load_package would first
    # import dynamo and inductor (1.5 s), which loading a built .so never needs.
    return torch._C._aoti.AOTIModelPackageLoader(str(path), "model", False, 1, -1).boxed_run


def build_compiled_program(dtype: torch.dtype, path: Path | None = None) -> Path:
    """Compile the whole autograd loop for ``dtype`` ahead of time; returns its file.

    ``torch.func.grad_and_value`` differentiates the MSE (autograd traces the backward pass:
    no gradient formula is written here); ``scan`` runs one GD step per row of its input;
    ``torch.export`` captures it with the sample count, degree and step count symbolic, and
    AOTInductor compiles it into a shared library. Seconds of work, once per machine.
    """
    from torch._higher_order_ops.scan import scan  # torch's loop primitive (not yet public)
    from torch.fx.experimental.proxy_tensor import make_fx

    path = path or compiled_program_path(dtype)
    w, phi = torch.zeros(5, 1, dtype=dtype), torch.ones(100, 5, dtype=dtype)
    y, steps = torch.ones(100, 1, dtype=dtype), torch.empty(8, 0, dtype=dtype)
    lr = torch.tensor(1e-5, dtype=dtype)
    # The step's graph of aten operations, forward and backward as autograd derived them.
    grad_and_mse = make_fx(torch.func.grad_and_value(_mse))(w, phi, y)

    class Descent(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.grad_and_mse = grad_and_mse

        def forward(self, w: torch.Tensor, phi: torch.Tensor, y: torch.Tensor,
                    steps: torch.Tensor, lr: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            def step(w: torch.Tensor, _: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
                grad, mse = self.grad_and_mse(w, phi, y)
                return w - lr * grad, mse

            return scan(step, w, steps)

    n, d, s = (torch.export.Dim(name, min=low) for name, low in (("N", 2), ("D", 1), ("S", 2)))
    program = torch.export.export(
        Descent(), (w, phi, y, steps, lr), strict=False,
        dynamic_shapes=({0: d}, {0: n, 1: d}, {0: n}, {0: s}, {}))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial.pt2")
    try:
        with warnings.catch_warnings():  # torch's own deprecations, raised inside inductor
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            torch._inductor.aoti_compile_and_package(program, package_path=str(partial))
        os.replace(partial, path)  # atomic: a concurrent reader sees no file or a whole one
    finally:
        partial.unlink(missing_ok=True)
    return path
