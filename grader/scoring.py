"""The one points algorithm: exact shares of a test's points, and how points are written.

A test function's points (``@pytest.mark.points(n)``) are shared equally by its
parametrized cases that apply here; a case skipped here (an absent GPU) neither earns nor
costs points, so full marks are reachable on a CPU-only machine. Shares are
:class:`fractions.Fraction`, so thirds and sevenths add up to the test's points exactly;
every report writes points with :func:`fmt_points` and every JSON number is
:func:`as_number` of the same value, so no two reports can disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

Points = Fraction

#: Decimal places of every number a report shows (``2.3333``): shares of a test's points are
#: rounded to these by :func:`apportion`, so a column of shares adds up to its total exactly.
DECIMALS = 4


def points(value: object) -> Fraction:
    """``value`` (an int, a float such as ``0.5``, or text such as ``"2/3"``) as exact points."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    return Fraction(str(value))


def shares(total: Fraction, applicable: int) -> Fraction:
    """Each applicable case's share of ``total`` points (0 when no case applies)."""
    return total / applicable if applicable else Fraction(0)


def add(values: Iterable[Fraction]) -> Fraction:
    return sum(values, Fraction(0))


def rounded(value: object) -> Fraction:
    """``value`` rounded half up to :data:`DECIMALS` places, exactly."""
    scale = 10 ** DECIMALS
    v = points(value) * scale
    return Fraction(int(v + Fraction(1, 2)) if v >= 0 else -int(-v + Fraction(1, 2)), scale)


def fmt_points(value: object) -> str:
    """``37.5``, ``60``, ``2.3333`` — points as a person writes them, from the exact value."""
    r = rounded(value)
    whole, frac = divmod(abs(r.numerator) * 10 ** DECIMALS // r.denominator, 10 ** DECIMALS)
    sign = "-" if r < 0 else ""
    if not frac:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{frac:0{DECIMALS}d}".rstrip("0")


def apportion(exact: list[Fraction], target: Fraction) -> list[Fraction]:
    """``exact`` rounded to :data:`DECIMALS` places so that they add up to ``target`` (itself
    rounded): largest remainders first, ties to the earlier value. Every report shows these
    same numbers, so a column of shares always adds up to the total beneath it."""
    unit = Fraction(1, 10 ** DECIMALS)
    floors = [Fraction(int(v / unit), 1) * unit for v in exact]
    left = int(round((rounded(target) - add(floors)) / unit))
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    result = list(floors)
    if left >= 0:
        for i in order[:left]:
            result[i] += unit
    else:  # more floors than the target (only for inconsistent input): take from the smallest
        for i in order[::-1][:-left]:
            result[i] -= unit
    return result


def as_number(value: object) -> float | int:
    """The points for a JSON file or a platform's API: an int when whole, else the value
    rounded as :func:`fmt_points` writes it (so ``41.9999`` never appears)."""
    r = rounded(value)
    return int(r) if r.denominator == 1 else float(r)
