"""Devices and dtypes the spec tests run over, as readable pytest params.

Absent devices are skipped with their reason; ``meta`` (shapes without data) checks device
placement on any machine: a hidden ``.cpu()``, ``.numpy()`` or ``.item()`` fails there.
"""

from __future__ import annotations

import pytest
import torch


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())


CUDA_SKIP = pytest.mark.skipif(not torch.cuda.is_available(),
                               reason="CUDA is not available on this machine")
MPS_SKIP = pytest.mark.skipif(not _mps_available(), reason="MPS is not available on this machine")

DEVICES = [
    pytest.param("cpu", id="cpu"),
    pytest.param("cuda", marks=CUDA_SKIP, id="cuda"),
    pytest.param("mps", marks=MPS_SKIP, id="mps"),
]
DEVICES_AND_META = [*DEVICES, pytest.param("meta", id="meta")]

FLOAT_DTYPES = [
    pytest.param(torch.float32, id="float32"),
    pytest.param(torch.float64, id="float64"),
]


def device_dtype_supported(device: str, dtype: torch.dtype) -> bool:
    """MPS has no float64."""
    return not (device == "mps" and dtype == torch.float64)
