"""grader.memo: a batch worker's pytest runs compute a submission-independent value once;
different arguments (by value, closures included) never share a result; without a memo
folder nothing is kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from grader import memo, settings

CALLS: list[str] = []


@memo.submission_independent
def _oracle(x: torch.Tensor, f, steps: int = 2) -> torch.Tensor:
    CALLS.append("computed")
    for _ in range(steps):
        x = f(x)
    return x


def _scaled(k: float):
    factor = torch.tensor(k, dtype=torch.float64)
    return lambda x: x * factor


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(settings.MEMO_DIR.env, str(tmp_path / "memo"))
    CALLS.clear()
    return tmp_path / "memo"


def test_a_value_is_computed_once_and_comes_back_exactly(folder: Path) -> None:
    x = torch.linspace(0, 1, 7, dtype=torch.float64)
    first = _oracle(x, _scaled(3.0))
    again = _oracle(x.clone(), _scaled(3.0))  # equal arguments, other objects
    assert CALLS == ["computed"]
    assert torch.equal(first, again) and again.dtype == torch.float64
    assert len(list(folder.glob("*.pickle"))) == 1


@pytest.mark.parametrize("change", ["values", "dtype", "closure", "keyword", "shape"])
def test_any_other_argument_is_computed_again(folder: Path, change: str) -> None:
    x = torch.linspace(0, 1, 7, dtype=torch.float64)
    _oracle(x, _scaled(3.0))
    other = {
        "values": lambda: _oracle(x + 1e-12, _scaled(3.0)),
        "dtype": lambda: _oracle(x.float(), _scaled(3.0)),
        "closure": lambda: _oracle(x, _scaled(3.0000001)),
        "keyword": lambda: _oracle(x, _scaled(3.0), steps=3),
        "shape": lambda: _oracle(x.view(7, 1), _scaled(3.0)),
    }[change]()
    assert CALLS == ["computed", "computed"]
    assert other is not None


def test_arrays_are_keyed_by_their_bytes(folder: Path) -> None:
    a = np.arange(6.0)
    assert memo.key_of(_oracle, (a,), {}) == memo.key_of(_oracle, (a.copy(),), {})
    assert memo.key_of(_oracle, (a,), {}) != memo.key_of(_oracle, (a.reshape(2, 3),), {})
    assert memo.key_of(_oracle, (a,), {}) != memo.key_of(_oracle, (a.astype(np.float32),), {})


def test_without_a_memo_folder_every_call_computes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(settings.MEMO_DIR.env, raising=False)
    CALLS.clear()
    x = torch.ones(3)
    _oracle(x, _scaled(2.0))
    _oracle(x, _scaled(2.0))
    assert CALLS == ["computed", "computed"]


def test_what_cannot_be_keyed_is_computed_every_time(folder: Path) -> None:
    meta = torch.ones(3, device="meta")
    _oracle(meta, lambda t: t)
    _oracle(meta, lambda t: t)
    assert CALLS == ["computed", "computed"] and not list(folder.glob("*.pickle"))


def test_a_repeated_tensor_is_keyed_as_its_values_like_distinct_equal_ones() -> None:
    """One tensor met many times in an argument is keyed once, with the same key as
    distinct tensors of the same values; a changed value still changes the key."""
    x = torch.arange(6.0).reshape(3, 2)
    repeated = [x[i] for i in range(3)] * 4
    distinct = [x[i % 3].clone() for i in range(12)]
    assert memo.key_of(_plain, (repeated,), {}) == memo.key_of(_plain, (distinct,), {})
    changed = list(distinct)
    changed[-1] = changed[-1] + 1
    assert memo.key_of(_plain, (repeated,), {}) != memo.key_of(_plain, (changed,), {})


def _plain(samples: list) -> int:
    return len(samples)
