"""Fixtures of the harness's own tests: the two ways a sandbox child can be started."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from grader.sandbox import Zygote, start_zygote


@pytest.fixture(scope="session")
def zygote() -> Iterator[Zygote]:
    """One zygote (numpy, torch and torch._dynamo imported) for the whole test session."""
    made = start_zygote()
    if made is None:
        pytest.skip("the zygote needs Linux namespaces (root)")
    yield made
    made.close()


@pytest.fixture(params=["plain", "zygote"])
def spawn_mode(request: pytest.FixtureRequest) -> Zygote | bool:
    """The ``zygote=`` argument of a sandbox: a fresh ``unshare python -I`` per child
    (False: ``grader run`` on a CUDA machine or with ``GRADSPEC_ZYGOTE=0``), or a fork of
    the zygote (what batch workers and ``grader run`` otherwise do)."""
    if request.param == "plain":
        return False
    return request.getfixturevalue("zygote")


@pytest.fixture(params=["plain", "zygote"])
def graded_spawn(request: pytest.FixtureRequest) -> str:
    """How a graded run's sandbox children start: fresh (``grader run`` without a zygote)
    or forked from a zygote (a batch worker); see tests/graded_runs.py."""
    if request.param == "zygote" and start_zygote is not None:
        from grader.sandbox import os_support

        if not os_support()[0]:
            pytest.skip("the zygote needs Linux namespaces (root)")
    return request.param
