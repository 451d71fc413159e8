"""The machine's floor for polyfit: the same recurrence as a small compiled loop, no framework.

200 000 dependent steps of ``r = y - Phi w``, ``mse_k = |r|^2 / N``, ``w += (2 lr / N) Phi^T r``
from w = 0, the MSE trace kept, written as plain C++ loops, compiled by the C++ compiler that
AOTInductor (the compiled autograd backend) uses, into a temporary folder, and called once
through ctypes on the same inputs. Nothing runs between two steps but the loop itself, so every
backend's time divided by this one's is that backend's overhead per step. Reductions may be
reassociated (vectorised, as BLAS and inductor's kernels are); nothing else is relaxed.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SOURCE = r"""
#include <vector>

// phi_t is Phi transposed (D x N, row-major): both products then run along contiguous rows.
template <typename T>
static void descend(long n, long d, long steps, const T* phi_t, const T* y, T lr, T* w,
                    T* trace) {
    std::vector<T> r(n);
    const T scale = T(2) * lr / T(n);
    for (long k = 0; k < steps; ++k) {
        for (long i = 0; i < n; ++i) r[i] = y[i];
        for (long j = 0; j < d; ++j)
            for (long i = 0; i < n; ++i) r[i] -= phi_t[j * n + i] * w[j];
        T square = 0;
        for (long i = 0; i < n; ++i) square += r[i] * r[i];
        trace[k] = square / T(n);
        for (long j = 0; j < d; ++j) {
            T g = 0;
            for (long i = 0; i < n; ++i) g += phi_t[j * n + i] * r[i];
            w[j] += scale * g;
        }
    }
}

extern "C" void descend_float32(long n, long d, long steps, const float* phi_t, const float* y,
                                float lr, float* w, float* trace) {
    descend<float>(n, d, steps, phi_t, y, lr, w, trace);
}

extern "C" void descend_float64(long n, long d, long steps, const double* phi_t,
                                const double* y, double lr, double* w, double* trace) {
    descend<double>(n, d, steps, phi_t, y, lr, w, trace);
}
"""
FLAGS = ("-O3", "-march=native", "-fassociative-math", "-fno-signed-zeros", "-fno-trapping-math",
         "-shared", "-fPIC")
DTYPES = {"float32": (np.float32, ctypes.c_float), "float64": (np.float64, ctypes.c_double)}


@dataclass(frozen=True)
class FloorRun:
    """One run of the compiled loop: its result, the wall and CPU seconds of the call alone."""

    w: np.ndarray
    mse_trace: np.ndarray
    seconds: float
    cpu_seconds: float


def compiler() -> str | None:
    """The C++ compiler AOTInductor uses here, as its ``config.cpp.cxx`` names it: ``$CXX``,
    else g++ (clang++ on macOS); None where it is not installed. Looked up without importing
    inductor, which would make the compiled backend's first call look cheaper than it is."""
    return shutil.which(os.environ.get("CXX", "clang++" if sys.platform == "darwin" else "g++"))


class FloorLoop:
    """The loop, built once into ``folder`` (the library is loaded from there)."""

    def __init__(self, folder: Path) -> None:
        cxx = compiler()
        if cxx is None:
            raise RuntimeError("no C++ compiler found (the compiled autograd backend needs one)")
        source, library = folder / "polyfit_floor.cpp", folder / "polyfit_floor.so"
        source.write_text(SOURCE)
        start = time.perf_counter()
        build = subprocess.run([cxx, *FLAGS, str(source), "-o", str(library)],
                               capture_output=True, text=True)
        if build.returncode != 0:
            raise RuntimeError(f"{Path(cxx).name} failed: {build.stderr.strip()[-500:]}")
        self.build_seconds = time.perf_counter() - start
        self.compiler = cxx
        self._library = ctypes.CDLL(str(library))

    def run(self, x: np.ndarray, y: np.ndarray, n_steps: int, lr: float, degree: int,
            dtype: str) -> FloorRun:
        """``n_steps`` of gradient descent on the MSE from w = 0, in ``dtype``."""
        np_type, c_type = DTYPES[dtype]
        powers = np.asarray(x, dtype=np_type).reshape(-1, 1) ** np.arange(degree + 1,
                                                                           dtype=np_type)
        phi_t = np.ascontiguousarray(powers.T)
        y_flat = np.ascontiguousarray(np.asarray(y, dtype=np_type).ravel())
        w = np.zeros(degree + 1, dtype=np_type)
        trace = np.empty(n_steps, dtype=np_type)
        function = getattr(self._library, f"descend_{dtype}")
        pointer = np.ctypeslib.ndpointer(dtype=np_type, flags="C_CONTIGUOUS")
        function.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_long, pointer, pointer,
                             c_type, pointer, pointer]
        function.restype = None
        start, cpu_start = time.perf_counter(), time.process_time()
        function(y_flat.size, degree + 1, n_steps, phi_t, y_flat, lr, w, trace)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
        return FloorRun(w=w.reshape(-1, 1), mse_trace=trace, seconds=seconds,
                        cpu_seconds=cpu_seconds)
