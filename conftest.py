"""The spec suite's shared set-up: devices, dtypes and seeds.

The implementation under test is chosen by gradspec's pytest plugin (``--impl``, env
``GRADSPEC_IMPL``, ini ``gradspec_impl``; printed in the report header). Tests never import
it: they run probes through the ``subject`` fixture.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch


@pytest.fixture
def seed(request: pytest.FixtureRequest) -> int:
    """A fixed seed per test, so every failure is reproducible with the same inputs."""
    return 20261124


@pytest.fixture
def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.fixture
def np_rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)
