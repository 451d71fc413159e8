"""Leaderboard values: what a suite's test measured of a submission, for a platform's
leaderboard (Gradescope's ``leaderboard`` in ``results.json``).

A test that takes the plugin's ``leaderboard`` fixture (skipped unless the assignment turns
the leaderboard on) records a named value with :meth:`Leaderboard.record`, after it has
checked that the submission's answer is right. A time must be one the grader measured
(``subject.call_timed``), never a number the submission reports. Entries travel in the
test report's ``user_properties`` (so they cross pytest-xdist) to the records file and
from there into the run's :class:`grader.result.RunResult`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pytest

#: The ``user_properties`` key of a leaderboard entry.
PROPERTY = "gradspec_leaderboard"


class Order(StrEnum):
    """How a platform ranks a column: ``asc`` puts the smallest value (the fastest) first."""

    ASC = "asc"
    DESC = "desc"


@dataclass(frozen=True)
class LeaderboardEntry:
    """One named value of one submission."""

    name: str
    value: float
    order: Order = Order.DESC

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "order": self.order.value}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LeaderboardEntry:
        return cls(str(data["name"]), float(data["value"]), Order(data.get("order", "desc")))


class Leaderboard:
    """The ``leaderboard`` fixture: records values of the test it was given to."""

    def __init__(self, item: pytest.Item):
        self._item = item

    def record(self, name: str, value: float, order: Order | str = Order.DESC) -> None:
        """Put ``value`` on the leaderboard column ``name`` (a time: ``order="asc"``)."""
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"leaderboard value {value!r} for {name!r} is not finite")
        entry = LeaderboardEntry(name, round(value, 4), Order(order))
        self._item.user_properties.append((PROPERTY, entry.to_json()))
