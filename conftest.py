"""The spec suite's shared set-up: devices, dtypes and seeds.

The implementation under test is chosen by gradspec's pytest plugin (``--impl``, env
``GRADSPEC_IMPL``, ini ``gradspec_impl``; printed in the report header). Tests never import
it: they run probes through the ``subject`` fixture.
"""

from __future__ import annotations

import pytest
import torch

#: The public tests' inputs are fixed (a student sees them and can reproduce a failure);
#: the hidden tests draw theirs from the grading seed instead (the ``grading_seed`` fixture).
PUBLIC_INPUTS_SEED = 20261124


@pytest.fixture
def seed(request: pytest.FixtureRequest) -> int:
    """A fixed seed per test, so every failure is reproducible with the same inputs."""
    return PUBLIC_INPUTS_SEED


@pytest.fixture
def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)
