"""``python -m benchmarks [--only SECTION ...] [--out DIR]``: every benchmark, one run.

A section is a function ``run(out: Path, args: argparse.Namespace) -> dict`` in its own module:
it prints its table, writes its files under ``out`` and returns what it measured. Register it
in ``SECTIONS``; ``--only`` picks sections by name. Numbers compare runs of this one machine,
taken in this one invocation.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

#: name -> (module, function, what it measures)
SECTIONS: dict[str, tuple[str, str, str]] = {
    "polyfit": ("benchmarks.polyfit_backends", "run",
                "the reference polyfit per backend and device vs the seed's numpy loop and "
                "the machine's floor (a compiled C++ loop)"),
    "harness": ("benchmarks.harness", "run",
                "public suite wall time, grader run overhead, batch throughput"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--only", action="append", choices=sorted(SECTIONS), metavar="SECTION",
                        help=f"run only this section (repeatable): {', '.join(SECTIONS)}")
    parser.add_argument("--out", type=Path, default=Path("out/bench"),
                        help="folder of the JSON and PNG results (default out/bench)")
    parser.add_argument("--steps", type=int, default=200_000,
                        help="polyfit: gradient descent steps per run "
                             "(default 200 000, the seed's)")
    parser.add_argument("--class-size", type=int, default=60,
                        help="harness: submissions in the generated class (default 60)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    results = {}
    for name in args.only or list(SECTIONS):
        module, function, what = SECTIONS[name]
        print(f"== {name}: {what}", flush=True)
        start = time.perf_counter()
        results[name] = getattr(importlib.import_module(module), function)(args.out, args)
        print(f"== {name} done in {time.perf_counter() - start:.1f} s\n", flush=True)
    (args.out / "summary.json").write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
