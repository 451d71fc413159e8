"""Real Jupyter kernels for the tests of notebooks: started by the tests, on this machine only.

Each kernel is an ``ipykernel`` of this interpreter, installed into a temporary Jupyter path
and talking over Unix sockets (the ``ipc`` transport), so no network port is ever opened.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

KERNEL = "gradspec-test"


@contextmanager
def kernel_spec(root: Path) -> Iterator[str]:
    """A kernelspec of this interpreter under ``root``, found through ``JUPYTER_PATH``."""
    subprocess.run([sys.executable, "-m", "ipykernel", "install", "--prefix", str(root),
                    "--name", KERNEL], check=True, capture_output=True, timeout=120)
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(root / "share" / "jupyter")
    try:
        yield KERNEL
    finally:
        if old is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = old


def execute(nb: nbformat.NotebookNode, cwd: Path, *, timeout: int = 600) -> None:
    """Run every cell of ``nb`` top to bottom in a fresh kernel working in ``cwd``; a cell
    that raises fails the call (nbclient's CellExecutionError)."""
    sockets = tempfile.mkdtemp(prefix="gradspec-kernel-")  # absolute: the kernel runs in cwd
    manager = KernelManager(kernel_name=KERNEL, transport="ipc", ip=f"{sockets}/kernel")
    client = NotebookClient(nb, km=manager, timeout=timeout, kernel_name=KERNEL,
                            resources={"metadata": {"path": str(cwd)}})
    try:
        client.execute(cwd=str(cwd))
    finally:
        shutil.rmtree(sockets, ignore_errors=True)


def text_of(cell: nbformat.NotebookNode, mime: str = "text/plain") -> str:
    """Everything a code cell showed, in one MIME type (streams count as text)."""
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and mime == "text/plain":
            parts.append(output.get("text", ""))
        parts.append(output.get("data", {}).get(mime, ""))
    return "".join(parts)
