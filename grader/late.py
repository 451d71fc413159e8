"""Late submissions: how late one was, and what the instructor's late policy keeps of its score.

A :class:`Lateness` is what a platform says of one submission: when it was submitted, its
due date and late due date (Gradescope's ``submission_metadata.json``, a roster's columns),
or only that it was late (Canvas's ``_LATE`` file names). A :class:`LatePolicy` — ``none``,
``N%/day`` (N % of the score per started day late), ``zero-after-late-due`` (score 0 when
submitted after the late due date), or the last two joined by ``+`` — turns it into a
:class:`Late`: the days late and the fraction of the score kept, which
:func:`grader.result.build` applies once, to the run's total (the raw total is kept beside it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

from grader.scoring import fmt_points

DAY = timedelta(days=1)
_ZERO_AFTER = "zero-after-late-due"


def parse_time(text: str | None) -> datetime | None:
    """An ISO 8601 time (``2026-11-24T23:59:00-08:00``, ``...Z``, ``2026-11-24 23:59``); a time
    without a zone is read as UTC. None or "" gives None."""
    if text is None or not str(text).strip():
        return None
    value = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Lateness:
    """When a submission came in and when it was due (any of them may be unknown)."""

    submitted_at: datetime | None = None
    due: datetime | None = None
    late_due: datetime | None = None
    marked_late: bool = False  # the platform says "late" without saying by how much

    @classmethod
    def from_text(cls, submitted_at: str | None = None, due: str | None = None,
                  late_due: str | None = None, marked_late: bool = False) -> Lateness:
        return cls(parse_time(submitted_at), parse_time(due), parse_time(late_due), marked_late)

    @classmethod
    def from_gradescope(cls, metadata: dict[str, Any]) -> Lateness:
        """From ``/autograder/submission_metadata.json``: ``created_at`` and the assignment's
        ``due_date`` / ``late_due_date``; a submitter's own dates (an extension, under
        ``users[].assignment``) win, the latest of them for a group."""
        assignment = metadata.get("assignment") or {}
        due, late_due = assignment.get("due_date"), assignment.get("late_due_date")
        own = [u.get("assignment") or {} for u in metadata.get("users") or []
               if isinstance(u, dict) and isinstance(u.get("assignment"), dict)]
        own_due = [parse_time(a.get("due_date")) for a in own if a.get("due_date")]
        own_late = [parse_time(a.get("late_due_date")) for a in own if a.get("late_due_date")]
        made = cls.from_text(metadata.get("created_at"), due, late_due)
        return cls(made.submitted_at, max(own_due) if own_due else made.due,
                   max(own_late) if own_late else made.late_due)

    @property
    def days_late(self) -> int:
        """Started days after the due date (0: on time or unknown); a submission only marked
        late counts as one day late."""
        if self.submitted_at is not None and self.due is not None:
            over = self.submitted_at - self.due
            return math.ceil(over / DAY) if over > timedelta(0) else 0
        return 1 if self.marked_late else 0

    @property
    def after_late_due(self) -> bool:
        return (self.submitted_at is not None and self.late_due is not None
                and self.submitted_at > self.late_due)


@dataclass(frozen=True)
class Late:
    """What the late policy made of one submission: days late and the fraction kept."""

    days: int
    kept: Fraction
    note: str  # for the reports: "submitted 2 days late: 20 % off"

    def to_json(self) -> dict[str, Any]:
        return {"days": self.days, "kept": str(self.kept), "note": self.note}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Late | None:
        if not data:
            return None
        return cls(int(data["days"]), Fraction(str(data["kept"])), str(data.get("note", "")))


@dataclass(frozen=True)
class LatePolicy:
    """The instructor's rule for late work: ``per_day`` of the score off per started day late
    (never below 0), and / or 0 for a submission after the late due date."""

    per_day: Fraction = Fraction(0)
    zero_after_late_due: bool = False

    @classmethod
    def parse(cls, text: str | LatePolicy) -> LatePolicy:
        """``none``, ``10%/day``, ``zero-after-late-due`` or ``10%/day+zero-after-late-due``."""
        if isinstance(text, LatePolicy):
            return text
        per_day, zero = Fraction(0), False
        for part in str(text).replace(" ", "").lower().split("+"):
            if part in ("", "none"):
                continue
            if part == _ZERO_AFTER:
                zero = True
            elif part.endswith("%/day"):
                per_day = Fraction(part.removesuffix("%/day")) / 100
                if not 0 < per_day <= 1:
                    raise ValueError("a percentage per day must be above 0 and at most 100")
            else:
                raise ValueError(f"expected none, N%/day, {_ZERO_AFTER} or both joined by +; "
                                 f"not {part!r}")
        return cls(per_day, zero)

    def __str__(self) -> str:
        parts = ([f"{fmt_points(self.per_day * 100)}%/day"] if self.per_day else []) + \
            ([_ZERO_AFTER] if self.zero_after_late_due else [])
        return "+".join(parts) or "none"

    def apply(self, lateness: Lateness | None) -> Late | None:
        """The penalty of a submission (None when it was on time, or its times are unknown)."""
        if lateness is None:
            return None
        days = lateness.days_late
        if days == 0 and not lateness.after_late_due:
            return None
        when = (f"submitted {days} day{'s' if days != 1 else ''} late"
                if lateness.submitted_at else "marked late (counted as 1 day late)")
        if self.zero_after_late_due and lateness.after_late_due:
            return Late(days, Fraction(0), f"submitted after the late due date "
                                           f"({lateness.late_due:%Y-%m-%d %H:%M %Z}): score 0")
        if not self.per_day:
            return Late(days, Fraction(1), f"{when}: no late penalty")
        off = min(Fraction(1), self.per_day * days)
        return Late(days, 1 - off, f"{when}: {fmt_points(off * 100)} % off the score "
                                   f"({fmt_points(self.per_day * 100)} % per day)")
