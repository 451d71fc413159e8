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

What makes it fast is that nothing but fused loops runs per step:

* the matrix products of the traced step (``Phi @ w`` and the ``Phi^T @ g`` autograd derives)
  are recorded as multiply-and-sum, so inductor fuses forward, backward and update into one
  C++ kernel instead of calling BLAS twice a step through the dispatcher (about 1 us a call,
  for a 100 x 5 product that takes tens of nanoseconds);
* Phi is passed transposed, so both reductions run along contiguous rows (vectorised);
* each iteration of the compiled while-loop runs ``STEPS_PER_ITERATION`` sequential steps,
  unrolled into that one kernel: the loop's own cost per iteration (tensor handles, the
  counter, the intermediate buffers it allocates) is shared by that many steps. The last
  iteration's surplus steps are masked: they leave w as it is, and their MSEs are cut off.
"""

from __future__ import annotations

import functools
import hashlib
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
#: Gradient descent steps unrolled into one iteration of the compiled loop (one kernel): more
#: shares the loop's per-iteration cost further but builds longer (8: about 1.3x the build of 1).
STEPS_PER_ITERATION = 8

Program = Callable[[list[torch.Tensor]], list[torch.Tensor]]


def descend(phi: torch.Tensor, y: torch.Tensor, n_steps: int, lr: float
            ) -> tuple[torch.Tensor, torch.Tensor] | None:
    """``(w, mse_trace)`` of ``n_steps`` of gradient descent on ``mse(phi @ w, y)`` from w = 0
    (CPU tensors), or None where the compiled loop cannot be built or run here."""
    program = load_program(phi.dtype)
    if program is None:
        return None
    w = torch.zeros(phi.shape[1], 1, dtype=phi.dtype)
    # scan runs one iteration per row, STEPS_PER_ITERATION steps each; the surplus is masked
    # (at least two rows: the program was exported for two and more).
    iterations = max(2, -(-n_steps // STEPS_PER_ITERATION))
    active = torch.arange(iterations * STEPS_PER_ITERATION).lt(n_steps)
    try:
        w_end, trace = program([w, phi.t().contiguous(), y, active.view(iterations, -1),
                                torch.tensor(lr, dtype=phi.dtype)])
    except Exception:  # a program that does not run here: the eager loop gives the same result
        return None
    return w_end, trace.view(-1)[:n_steps]


def program_path(dtype: torch.dtype) -> Path:
    """Where the compiled loop for ``dtype`` is kept: one file per version of this module
    (its program), torch version, CPU architecture and vector ISA (the code is compiled for
    this CPU), dtype.

    The folder is ``$GRADSPEC_AOT_CACHE``, else ``$XDG_CACHE_HOME/gradspec/aot`` (``~/.cache``).
    """
    root = os.environ.get(AOT_CACHE_ENV)
    folder = Path(root) if root else Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gradspec" / "aot"
    isa = torch.backends.cpu.get_cpu_capability().lower()
    name = (f"polyfit-descent-{_source_digest()}-torch{torch.__version__}-"
            f"{platform.machine()}-{isa}-{dtype}")
    return folder / (name.replace("torch.", "").replace("+", "_") + ".pt2")


@functools.cache
def _source_digest() -> str:
    """A digest of this module: a program built by another version of it is not loaded."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]


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


def _mm_as_multiply_and_sum(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``a @ b`` as a broadcast product summed over the shared dimension: a reduction that
    inductor fuses with its neighbours, where ``aten.mm`` would stay a separate BLAS call."""
    return (a.unsqueeze(-1) * b.unsqueeze(0)).sum(1)


def build_program(dtype: torch.dtype, path: Path | None = None) -> Path:
    """Compile the whole autograd loop for ``dtype`` ahead of time; returns its file.

    ``torch.func.grad_and_value`` differentiates the MSE (autograd traces the backward pass:
    no gradient formula is written here; its matrix products are recorded as multiply-and-sum);
    ``scan`` runs ``STEPS_PER_ITERATION`` GD steps per row of its input (a row of masks: a
    masked step leaves w as it is); ``torch.export`` captures it with the sample count, degree
    and number of iterations symbolic, and AOTInductor compiles it into a shared library.
    Seconds of work, once per machine.
    """
    from torch._higher_order_ops.scan import scan  # torch's loop primitive (not yet public)
    from torch._inductor.cpp_builder import get_cpp_compiler
    from torch.fx.experimental.proxy_tensor import make_fx

    get_cpp_compiler()  # raises at once where there is no C++ compiler, not after the export
    path = path or program_path(dtype)
    w, phi_t = torch.zeros(5, 1, dtype=dtype), torch.ones(5, 100, dtype=dtype)
    y = torch.ones(100, 1, dtype=dtype)
    active = torch.ones(8, STEPS_PER_ITERATION, dtype=torch.bool)
    lr = torch.tensor(1e-5, dtype=dtype)
    # The step's graph of aten operations, forward and backward as autograd derived them.
    grad_and_mse = make_fx(torch.func.grad_and_value(_mse), decomposition_table={
        torch.ops.aten.mm.default: _mm_as_multiply_and_sum})(w, phi_t.mT, y)

    class Descent(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.grad_and_mse = grad_and_mse

        def forward(self, w: torch.Tensor, phi_t: torch.Tensor, y: torch.Tensor,
                    active: torch.Tensor, lr: torch.Tensor
                    ) -> tuple[torch.Tensor, torch.Tensor]:
            phi = phi_t.mT  # one view for every step (scan refuses aliased inputs)

            def steps(w: torch.Tensor, active: torch.Tensor
                      ) -> tuple[torch.Tensor, torch.Tensor]:
                mses = []
                for k in range(STEPS_PER_ITERATION):
                    grad, mse = self.grad_and_mse(w, phi, y)
                    w = w - torch.where(active[k], lr * grad, 0.0)
                    mses.append(mse)
                return w, torch.stack(mses)

            return scan(steps, w, active)

    n, d, s = (torch.export.Dim(name, min=low) for name, low in (("N", 2), ("D", 1), ("S", 2)))
    program = torch.export.export(
        Descent(), (w, phi_t, y, active, lr), strict=False,
        dynamic_shapes=({0: d}, {0: d, 1: n}, {0: n}, {0: s}, {}))
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
