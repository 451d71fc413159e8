"""The seed notebook's backend comparison, answered by the reference polyfit.

The seed timed 200 000 gradient-descent steps per backend (numpy 10.9 s, torch 10.1 s,
torch-gpu 34.5 s, torch-autograd 80.4 s, torch-autograd-gpu 233 s, final MSE 0.0079) and asked
how to make autograd faster. This section times ``reference.polyfit.train`` per backend and
device against the seed's own numpy loop (powers recomputed every step) run here, now, and
against the machine's floor: the same recurrence as a small C++ loop built by this run
(``benchmarks/polyfit_floor.py``; best of a few runs, it takes milliseconds), in the dtype each
backend computes in. It also measures one eager ``torch.autograd.grad`` call and one eager
hand-written step, which bound the eager loops. Each backend runs 200 000 steps twice in this
process: "seconds" is the second run
(warm), "1st call" the first, which for the autograd backend includes building its compiled
loop (AOTInductor) from empty caches (fresh temporary folders: nothing built by an earlier
process is reused). "new process" is the first call in a fresh interpreter once that build is
on disk, as every later process on the machine sees it. Writes ``polyfit.json`` and
``polyfit_mse.png`` (MSE trace per backend, log scale).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from benchmarks.polyfit_floor import DTYPES, FloorLoop
from reference import polyfit, polyfit_compiled
from spec_tests.support.polyfit import seed_numpy_loop  # the timing tests' baseline, too

X = np.linspace(0, 5, 100).reshape(-1, 1)
Y = np.sin(X)
LR, DEGREE = 1e-5, 4
#: The seed notebook's figures (2017, GTX Titan), seconds for 200 000 steps.
SEED_SECONDS = {("numpy", "cpu"): 10.91, ("torch", "cpu"): 10.13, ("torch", "cuda"): 34.50,
                ("autograd", "cpu"): 80.43, ("autograd", "cuda"): 233.13}
TARGET_SPEEDUP, TARGET_AUTOGRAD_RATIO = 3.0, 1.5
#: The dtype each row computes in (x and y given as numpy float64 arrays, as in the seed).
ROW_DTYPES = {"seed numpy loop": "float64", "numpy": "float64", "torch": "float32",
              "autograd": "float32"}
#: Runs of the floor loop, the fastest kept: it takes milliseconds, so one preemption by another
#: process would double it.
FLOOR_REPEATS = 5
FLOOR = "floor (C++ loop)"


def _devices() -> list[tuple[str, str | None]]:
    """(device, reason it is skipped or None)."""
    mps = getattr(torch.backends, "mps", None)
    return [("cpu", None),
            ("cuda", None if torch.cuda.is_available() else "CUDA not available"),
            ("mps", None if mps is not None and mps.is_available() else "MPS not available")]


def eager_step_us(repeats: int = 20_000) -> dict[str, float]:
    """Microseconds per call: one torch.autograd.grad on the MSE graph vs one hand-written step
    (the reference's two calls, ``mv`` into the residual and ``addmv_`` into w)."""
    phi = polyfit.dpoly_dw(torch.from_numpy(X).float(), torch.zeros(DEGREE + 1))
    y = torch.from_numpy(Y).float()
    w = torch.zeros(DEGREE + 1, 1, requires_grad=True)
    mse = torch.nn.functional.mse_loss(phi @ w, y)
    start = time.perf_counter()
    for _ in range(repeats):
        torch.autograd.grad(mse, w, retain_graph=True)
    grad_us = (time.perf_counter() - start) / repeats * 1e6
    residual_of, phi_t = torch.cat([y, -phi], dim=1), phi.t().contiguous()
    z, r = torch.zeros(DEGREE + 2), torch.empty(len(X))
    z[0] = 1.0
    start = time.perf_counter()
    with torch.no_grad():
        for _ in range(repeats):
            torch.mv(residual_of, z, out=r)
            z[1:].addmv_(phi_t, r, alpha=0.0)
    step_us = (time.perf_counter() - start) / repeats * 1e6
    return {"autograd_grad_call_us": grad_us, "hand_written_step_us": step_us}


def measure_floor(n_steps: int) -> dict[str, Any]:
    """The floor loop's fastest run per dtype, built into a temporary folder for this run; or
    why it could not be built here."""
    with tempfile.TemporaryDirectory(prefix="gradspec-floor-") as folder:
        try:
            loop = FloorLoop(Path(folder))
        except RuntimeError as exc:
            return {"skipped": str(exc)}
        runs = {}
        for dtype in DTYPES:
            loop.run(X, Y, 10, LR, DEGREE, dtype)  # warm-up: first-call page faults
            runs[dtype] = min((loop.run(X, Y, n_steps, LR, DEGREE, dtype)
                               for _ in range(FLOOR_REPEATS)), key=lambda run: run.seconds)
    return {"skipped": None, "compiler": loop.compiler, "build_seconds": loop.build_seconds,
            "runs": runs}


def machine_info() -> dict[str, Any]:
    """The machine the figures come from: CPU, cores, library versions, GPU if any."""
    info = {"platform": platform.platform(), "processor": platform.processor() or "unknown",
            "python": platform.python_version(), "torch": torch.__version__,
            "numpy": np.__version__, "torch_threads": torch.get_num_threads()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info["cpu_count"] = os.cpu_count()
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


@contextlib.contextmanager
def fresh_compile_cache() -> Iterator[None]:
    """Empty inductor and compiled-loop folders for the block (and for the processes it starts):
    building is paid in full, not reused from an earlier process."""
    names = ("TORCHINDUCTOR_CACHE_DIR", polyfit_compiled.AOT_CACHE_ENV)
    saved = {name: os.environ.get(name) for name in names}
    with tempfile.TemporaryDirectory(prefix="gradspec-bench-cache-") as folder:
        os.environ.update({name: str(Path(folder) / name.lower()) for name in names})
        polyfit_compiled.load_program.cache_clear()
        try:
            yield
        finally:
            polyfit_compiled.load_program.cache_clear()
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def new_process_seconds(backend: str, device: str, n_steps: int) -> float:
    """Seconds of the first ``train`` call in a fresh interpreter (same cache folders)."""
    code = ("import sys\nfrom benchmarks.polyfit_backends import timed_train\n"
            "print(timed_train(sys.argv[1], sys.argv[2], int(sys.argv[3]))[0])")
    proc = subprocess.run([sys.executable, "-c", code, backend, device, str(n_steps)],
                          cwd=Path(__file__).resolve().parent.parent, capture_output=True,
                          text=True, check=True)
    return float(proc.stdout.strip().splitlines()[-1])


def timed_train(backend: str, device: str, n_steps: int
                ) -> tuple[float, float, dict[str, Any]]:
    """Wall seconds, CPU seconds of this process (every thread) and the result of one call."""
    start, cpu_start = time.perf_counter(), time.process_time()
    out = polyfit.train(X, Y, n_steps=n_steps, lr=LR, degree=DEGREE, backend=backend,
                        device=device)
    return time.perf_counter() - start, time.process_time() - cpu_start, out


def measure(n_steps: int) -> dict[str, Any]:
    """Every row, timed in this process one after the other (build caches: fresh folders)."""
    with fresh_compile_cache():
        return _measure(n_steps)


def _measure(n_steps: int) -> dict[str, Any]:
    floor = measure_floor(n_steps)
    start, cpu_start = time.perf_counter(), time.process_time()
    _, naive_trace = seed_numpy_loop(X, Y, n_steps, LR, DEGREE)
    naive, naive_cpu = time.perf_counter() - start, time.process_time() - cpu_start
    rows: list[dict[str, Any]] = []
    traces: dict[str, np.ndarray] = {}
    if floor["skipped"]:
        rows.append({"backend": FLOOR, "device": "cpu", "skipped": floor["skipped"]})
    for dtype, run in (floor.get("runs") or {}).items():
        rows.append({"backend": FLOOR, "device": "cpu", "dtype": dtype, "seconds": run.seconds,
                     "cpu_seconds": run.cpu_seconds, "steps_per_s": n_steps / run.seconds,
                     "final_mse": float(run.mse_trace[-1]),
                     "speedup": naive / run.seconds, "first_call_seconds": None,
                     "new_process_seconds": None, "seed_seconds": None, "skipped": None,
                     "w": run.w.ravel().tolist()})
        traces[label(rows[-1])] = run.mse_trace.astype(np.float64)
    rows.append({"backend": "seed numpy loop", "device": "cpu", "dtype": "float64",
                 "seconds": naive, "cpu_seconds": naive_cpu, "steps_per_s": n_steps / naive,
                 "final_mse": float(naive_trace[-1]), "speedup": 1.0,
                 "first_call_seconds": naive, "new_process_seconds": None,
                 "seed_seconds": SEED_SECONDS[("numpy", "cpu")], "skipped": None})
    traces[label(rows[-1])] = naive_trace
    for backend in polyfit.BACKENDS:
        for device, reason in _devices():
            if backend == "numpy" and device != "cpu":
                continue
            row: dict[str, Any] = {"backend": backend, "device": device,
                                   "dtype": ROW_DTYPES[backend],
                                   "seed_seconds": SEED_SECONDS.get((backend, device))}
            if reason:
                rows.append(dict(row, skipped=reason))
                continue
            polyfit.train(X, Y, n_steps=10, lr=LR, degree=DEGREE, backend=backend,
                          device=device)  # warm-up: first-call allocations, kernels
            first, _, _ = timed_train(backend, device, n_steps)  # autograd: builds its loop
            seconds, cpu_seconds, out = timed_train(backend, device, n_steps)
            fresh = new_process_seconds(backend, device, n_steps)
            trace = np.asarray(torch.as_tensor(out["mse_trace"]).cpu(), dtype=np.float64)
            traces[label(row)] = trace
            rows.append(dict(row, seconds=seconds, cpu_seconds=cpu_seconds,
                             steps_per_s=n_steps / seconds,
                             final_mse=float(trace[-1]), speedup=naive / seconds,
                             first_call_seconds=first, first_call_speedup=naive / first,
                             new_process_seconds=fresh,
                             reported_seconds=float(out["seconds"]), skipped=None,
                             w=np.asarray(torch.as_tensor(out["w"]).cpu()).ravel().tolist()))
    for row in rows:
        if not row.get("skipped") and row["dtype"] in floor.get("runs", {}):
            run = floor["runs"][row["dtype"]]
            row["vs_floor"] = row["seconds"] / run.seconds
            row["cpu_vs_floor"] = row["cpu_seconds"] / run.cpu_seconds
            row["trace_vs_floor"] = float(np.max(np.abs(traces[label(row)] - run.mse_trace)
                                                 / run.mse_trace))
    return {"n_steps": n_steps, "rows": rows, "traces": traces, "floor": {
        key: value for key, value in floor.items() if key != "runs"}}


def targets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's CPU targets, checked on the rows measured."""
    timed = {(r["backend"], r["device"]): r for r in rows
             if not r.get("skipped") and r["backend"] != FLOOR}
    checks = []
    for (backend, device), row in timed.items():
        if backend != "seed numpy loop":
            checks.append({"target": f"{backend}-{device} >= {TARGET_SPEEDUP:g}x faster than "
                                     "the seed numpy loop",
                           "figure": f"{row['speedup']:.2f}x",
                           "met": row["speedup"] >= TARGET_SPEEDUP})
    for device in ("cpu", "cuda"):
        if ("autograd", device) in timed and ("torch", device) in timed:
            auto, torch_row = timed[("autograd", device)], timed[("torch", device)]
            for key, label in (("seconds", ""),
                               ("new_process_seconds", " (1st call in a new process)")):
                ratio = auto[key] / torch_row[key]
                checks.append({"target": f"autograd-{device} within {TARGET_AUTOGRAD_RATIO:g}x "
                                         f"of torch-{device}{label}", "figure": f"{ratio:.2f}x",
                               "met": ratio <= TARGET_AUTOGRAD_RATIO})
            first = auto["first_call_seconds"]
            checks.append({"target": f"autograd-{device} 1st call ever, building its compiled "
                                     "loop (once per machine and torch version)",
                           "figure": f"{first:.2f} s = "
                                     f"{first / torch_row['first_call_seconds']:.2f}x "
                                     f"torch-{device}'s 1st call", "met": None})
    return checks


def label(row: dict[str, Any]) -> str:
    """A row's name in the plot and the agreement line: ``backend-device``, or what it is."""
    if row["backend"] == FLOOR:
        return f"floor {row['dtype']}"
    if row["backend"] == "seed numpy loop":
        return row["backend"]
    return f"{row['backend']}-{row['device']}"


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def table(rows: list[dict[str, Any]], n_steps: int) -> str:
    head = (f"{'backend':<16} {'device':<6} {'dtype':<7} {'seconds':>8} {'cpu s':>7} "
            f"{'steps/s':>9} {'final MSE':>10} {'vs seed':>8} {'vs floor':>8} {'(cpu)':>7} "
            f"{'1st call':>8} {'new proc':>8} {'seed 2017':>9}")
    lines = [f"polyfit, {n_steps} steps, lr {LR:g}, degree {DEGREE}; seconds: wall, warm (2nd "
             f"run in this process; floor: best of {FLOOR_REPEATS}); cpu s: this process's CPU "
             "seconds in that call (every thread); vs floor: seconds / the floor's in the same "
             "dtype, (cpu): the same for CPU seconds, steadier on a shared machine; 1st call: "
             "includes any build, from empty caches; new proc: 1st call in a fresh interpreter, "
             "build on disk",
             head, "-" * len(head)]
    for r in rows:
        seed = f"{r['seed_seconds']:.1f} s" if r.get("seed_seconds") else ""
        if r.get("skipped"):
            lines.append(f"{r['backend']:<16} {r['device']:<6} skipped: {r['skipped']}")
            continue
        vs_floor = f"{r['vs_floor']:.1f}x" if "vs_floor" in r else "n/a"
        cpu_vs_floor = f"{r['cpu_vs_floor']:.1f}x" if "cpu_vs_floor" in r else "n/a"
        lines.append(f"{r['backend']:<16} {r['device']:<6} {r['dtype']:<7} {r['seconds']:>8.3f} "
                     f"{r['cpu_seconds']:>7.3f} {r['steps_per_s']:>9.0f} {r['final_mse']:>10.5f} "
                     f"{r['speedup']:>7.2f}x {vs_floor:>8} {cpu_vs_floor:>7} "
                     f"{_seconds(r['first_call_seconds']):>8} "
                     f"{_seconds(r['new_process_seconds']):>8} {seed:>9}")
    agreement = [f"{label(r)} {r['trace_vs_floor']:.1e}" for r in rows
                 if "trace_vs_floor" in r and r["backend"] != FLOOR]
    if agreement:
        lines.append("mse_trace vs the floor's, worst relative difference: " + ", ".join(agreement))
    return "\n".join(lines)


def plot(traces: dict[str, np.ndarray], path: Path, fits: dict[str, list[float]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.5))
    styles = ["-", "--", ":", "-."]
    for i, (name, trace) in enumerate(traces.items()):
        left.plot(np.arange(1, len(trace) + 1), trace, label=name, linestyle=styles[i % 4],
                  linewidth=3.0 - 0.5 * (i % 4))
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("step")
    left.set_ylabel("MSE before the step's update")
    left.set_title("MSE trace per backend (traces overlap: same recurrence)")
    left.legend(fontsize=8)
    right.plot(X, Y, "o", markersize=3, label="sin(x)")
    for i, (name, w) in enumerate(fits.items()):
        right.plot(X, polyfit.poly(X, np.asarray(w).reshape(-1, 1)), label=name,
                   linestyle=styles[(i + 1) % 4], linewidth=2.5 - 0.5 * (i % 4))
    right.set_xlabel("x")
    right.set_title("fitted degree-4 polynomials")
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run(out: Path, args: argparse.Namespace) -> dict[str, Any]:
    """The section: measure, print the table and the targets, write JSON and PNG."""
    n_steps = int(getattr(args, "steps", 200_000))
    measured = measure(n_steps)
    rows = measured["rows"]
    eager = eager_step_us()
    checks = targets(rows)
    print(table(rows, n_steps))
    floor = measured["floor"]
    if not floor["skipped"]:
        print(f"floor: {Path(floor['compiler']).name}, built in {floor['build_seconds']:.2f} s "
              "into a temporary folder, called once through ctypes")
    print(f"eager, per call: one torch.autograd.grad {eager['autograd_grad_call_us']:.1f} us, "
          f"one hand-written torch step (mv + addmv_) {eager['hand_written_step_us']:.1f} us")
    for c in checks:
        if c["met"] is None:
            print(f"  cost   {c['target']}: {c['figure']}")
        else:
            print(f"  target {c['target']}: {c['figure']} -> {'met' if c['met'] else 'NOT met'}")
    result = {"machine": machine_info(), "n_steps": n_steps, "lr": LR, "degree": DEGREE,
              "rows": rows, "floor": floor, "eager_us": eager, "targets": checks}
    out.mkdir(parents=True, exist_ok=True)
    (out / "polyfit.json").write_text(json.dumps(result, indent=1))
    fits = {label(r): r["w"] for r in rows if r.get("w")}
    plot(measured["traces"], out / "polyfit_mse.png", fits)
    print(f"wrote {out / 'polyfit.json'} and {out / 'polyfit_mse.png'}")
    return result
