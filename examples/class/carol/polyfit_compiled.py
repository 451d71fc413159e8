"""The reference polyfit's autograd loop for long CPU runs, compiled ahead of time.

``reference/polyfit.py`` calls :func:`descend` for runs of ``COMPILE_MIN_STEPS`` steps and
more on the CPU: the whole gradient descent as one compiled program. It is
``torch.func.grad_and_value`` of the same MSE (autograd derives the backward pass; no gradient
formula is written here) inside ``scan``, exported with ``torch.export`` and compiled by
AOTInductor into a shared library kept on disk (:func:`program_path`). Building it takes
seconds, once per machine and torch version (the first long run builds it); every later
process loads it in milliseconds. Where it cannot be built, loaded or run, :func:`descend`
returns None and the eager loop runs instead. It lives apart from the readable solution
because it relies on private torch APIs (``torch._higher_order_ops.scan``, ``torch._C._aoti``).
"""

from __future__ import annotations

import functools
import os
import platform
import warnings
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F

#: Fewest steps for which the autograd backend runs this loop (CPU, float32/64): the eager
#: loop costs ~55 us a step, building the compiled loop ~10-20 s once per machine.
COMPILE_MIN_STEPS = 100_000
#: Folder of the compiled loops, overriding ``$XDG_CACHE_HOME/gradspec/aot``.
AOT_CACHE_ENV = "GRADSPEC_AOT_CACHE"

Program = Callable[[list[torch.Tensor]], list[torch.Tensor]]


def descend(phi: torch.Tensor, y: torch.Tensor, n_steps: int, lr: float
            ) -> tuple[torch.Tensor, torch.Tensor] | None:
    """``(w, mse_trace)`` of ``n_steps`` of gradient descent on ``mse(phi @ w, y)`` from w = 0
    (CPU tensors), or None where the compiled loop cannot be built or run here."""
    program = load_program(phi.dtype)
    if program is None:
        return None
    w = torch.zeros(phi.shape[1], 1, dtype=phi.dtype)
    steps = torch.empty(n_steps, 0, dtype=phi.dtype)  # scan runs one step per row
    try:
        w_end, trace = program([w, phi, y, steps, torch.tensor(lr, dtype=phi.dtype)])
    except Exception:  # a program that does not run here: the eager loop gives the same result
        return None
    return w_end, trace


def program_path(dtype: torch.dtype) -> Path:
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
def load_program(dtype: torch.dtype) -> Program | None:
    """The compiled loop for ``dtype``, loaded from its file (built first if missing), or None
    where nothing can be built or loaded here (no C++ compiler, no AOTInductor). Kept for the
    process: ``load_program.cache_clear()`` forgets it."""
    path = program_path(dtype)
    if path.exists():
        try:
            return _load(path)
        except Exception:  # a stale or corrupt file: rebuilt below
            pass
    try:  # a failed build is not retried: it would fail the same way
        build_program(dtype, path)
        return _load(path)
    except Exception:
        return None


def _load(path: Path) -> Program:
    # The package's own loader: the public torch._inductor.aoti_load_package would first
    # import dynamo and inductor (1.5 s), which loading a built .so never needs.
    return torch._C._aoti.AOTIModelPackageLoader(str(path), "model", False, 1, -1).boxed_run


def _mse(w: torch.Tensor, phi: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.mse_loss(phi @ w, y)


def build_program(dtype: torch.dtype, path: Path | None = None) -> Path:
    """Compile the whole autograd loop for ``dtype`` ahead of time; returns its file.

    ``torch.func.grad_and_value`` differentiates the MSE (autograd traces the backward pass:
    no gradient formula is written here); ``scan`` runs one GD step per row of its input;
    ``torch.export`` captures it with the sample count, degree and step count symbolic, and
    AOTInductor compiles it into a shared library. Seconds of work, once per machine.
    """
    from torch._higher_order_ops.scan import scan  # torch's loop primitive (not yet public)
    from torch.fx.experimental.proxy_tensor import make_fx

    path = path or program_path(dtype)
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
