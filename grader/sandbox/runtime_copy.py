"""The :mod:`grader.runtime` package as a child gets it: copied whole, started by one command."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

#: ``python -I -c BOOT ROOT MODULE ARGS...`` runs ``grader.runtime.MODULE.main(*ARGS)`` from
#: the copy of the package under ROOT (``-I`` puts nothing else on ``sys.path``).
BOOT = ("import sys, importlib; sys.path.insert(0, sys.argv[1]); "
        "sys.exit(importlib.import_module('grader.runtime.' + sys.argv[2]).main(*sys.argv[3:]))")
RUNTIME_PACKAGE = Path(__file__).resolve().parent.parent / "runtime"


def install_runtime(dest: Path) -> Path:
    """Copy the runtime package under ``dest`` (as ``grader/runtime``); returns ``dest``, the
    folder the child puts first on its ``sys.path``."""
    package = dest / "grader"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    shutil.copytree(RUNTIME_PACKAGE, package / "runtime",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


def boot_argv(runtime_root: Path | str, module: str, *args: str) -> list[str]:
    """``python -I`` running ``grader.runtime.<module>.main(*args)`` from ``runtime_root``."""
    return [sys.executable, "-I", "-c", BOOT, str(runtime_root), module, *args]
