"""Assignments: named subsets of a suite's exercises, released to a class one at a time.

The suite's ini lists them (``gradspec_assignments``, one ``name = exercise, exercise``
line each); the ``ASSIGNMENT`` setting (``--assignment``, ``$GRADSPEC_ASSIGNMENT``, ini
``gradspec_assignment``) picks one, and every command grades, validates and exports only its
exercises. Without one, every exercise is in. An exercise is named by its test modules
(``spec_tests/test_<exercise>.py``, public or hidden); this module knows no exercise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import settings

#: The name an assignment of every exercise shows (the Canvas column, when none is chosen).
EVERY_EXERCISE = "gradspec"


@dataclass(frozen=True)
class Assignment:
    """An assignment's name and exercises, in the order the ini lists them; ``exercises``
    None is every exercise of the suite."""

    name: str = EVERY_EXERCISE
    exercises: tuple[str, ...] | None = None

    def includes(self, exercise: str) -> bool:
        return self.exercises is None or exercise in self.exercises

    def describe(self) -> str:
        """``autograd-lab (elementwise_grad, hessian)``, or ``every exercise``."""
        if self.exercises is None:
            return "every exercise"
        return f"{self.name} ({', '.join(self.exercises)})"

    def pytest_args(self) -> list[str]:
        """The options that make gradspec's pytest plugin grade only these exercises."""
        return [] if self.exercises is None else ["--assignment", self.name]


#: Every exercise of the suite: what is graded when no assignment is chosen.
ALL_EXERCISES = Assignment()


def choose(name: settings.Setting, table: settings.Setting) -> Assignment:
    """The assignment the ``ASSIGNMENT`` setting names in the ``ASSIGNMENTS`` table; every
    exercise when none is named. An unknown name is refused with the known ones listed."""
    if name.value is None:
        return ALL_EXERCISES
    known: Mapping[str, tuple[str, ...]] = table.value or {}
    if name.value not in known:
        listed = ", ".join(sorted(known)) if known else "none (ini gradspec_assignments is empty)"
        raise settings.SettingError(f"unknown assignment {name.value!r} from {name.where}; the "
                                    f"suite's assignments: {listed}")
    return Assignment(str(name.value), known[name.value])


def suite_exercises(suite_root: Path) -> list[str]:
    """The exercises of the suite at ``suite_root``: the names of its test modules."""
    spec = Path(suite_root) / "spec_tests"
    return sorted({p.stem.removeprefix("test_") for p in spec.rglob("test_*.py")})


def for_suite(suite_root: Path, cli: str | None = None, ini: Mapping[str, Any] | None = None,
              env: Mapping[str, str] | None = None) -> Assignment:
    """The assignment a command grades (command line > environment > ini), checked against
    the suite: each exercise it names must have test modules."""
    ini = settings.suite_ini(suite_root) if ini is None else ini
    chosen = choose(settings.resolve(settings.ASSIGNMENT, cli=cli, ini=ini, env=env),
                    settings.resolve(settings.ASSIGNMENTS, ini=ini, env=env))
    if chosen.exercises is not None:
        present = suite_exercises(suite_root)
        missing = [e for e in chosen.exercises if e not in present]
        if missing:
            raise settings.SettingError(
                f"assignment {chosen.name!r} names {', '.join(map(repr, missing))}, which has no "
                f"test module under {Path(suite_root) / 'spec_tests'} (exercises: "
                f"{', '.join(present)})")
    return chosen
