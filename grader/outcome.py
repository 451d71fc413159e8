"""The vocabulary of a grade: how a test ended, why it failed, what became of a submission.

:class:`TestOutcome` is pytest's verdict on one case; :class:`FailureKind` (defined in
:mod:`grader.runtime.outcome`, because the sandbox child speaks it too) says why a case
failed; :class:`SubmissionStatus` says whether a submission was graded at all and, if not,
why; :class:`Reveal` says how much of a hidden test a student sees once grades are
published. Every report shows these labels; code compares the enums, never the labels.
"""

from __future__ import annotations

from enum import StrEnum

from grader.runtime.outcome import Failure, FailureKind

__all__ = ["Failure", "FailureKind", "Reveal", "SubmissionStatus", "TestOutcome"]


class TestOutcome(StrEnum):
    """pytest's verdict on one case: a skipped case (an absent GPU) is not applicable; a case
    not run yet (the records file of a run that was stopped) gets its verdict in
    :func:`grader.result.build`, never in a report."""

    __test__ = False  # not a test class, whatever pytest's collector thinks of the name

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    NOT_RUN = "not run"


class SubmissionStatus(StrEnum):
    """What became of a submission: ``ok`` (the suite ran on it), ``timeout`` (the run was
    stopped: the tests that finished count, the rest earn nothing) or why nothing was graded."""

    OK = "ok"
    # found on disk, before anything is unpacked (grader.intake.discover)
    DUPLICATE = "duplicate id"
    EMPTY = "empty submission"
    STRAY = "stray file"
    SYMLINK = "symlink"
    BAD_NAME = "invalid file name"
    # unpacking (grader.intake.submission)
    MISSING = "missing"
    UNSAFE = "unsafe submission"
    INVALID_ZIP = "invalid zip"
    UNSAFE_ZIP = "unsafe zip"
    TOO_LARGE = "too large"
    INVALID_NOTEBOOK = "invalid notebook"  # its only sources are notebooks that cannot be read
    # the run
    IMPORT_ERROR = "import error"
    TIMEOUT = "timeout"
    INTERNAL_ERROR = "internal error"
    # the batch
    PENDING = "pending"
    GRADER_ERROR = "grader error"
    GRADER_CRASHED = "grader crashed"

    @property
    def gradable(self) -> bool:
        """Whether the submission's passed tests earn their points."""
        return self in (SubmissionStatus.OK, SubmissionStatus.TIMEOUT)

    @property
    def grader_fault(self) -> bool:
        """Not the student's doing: recorded, and graded again by the next batch run."""
        return self in (SubmissionStatus.INTERNAL_ERROR, SubmissionStatus.GRADER_ERROR,
                        SubmissionStatus.GRADER_CRASHED)


class Reveal(StrEnum):
    """What a hidden test shows a student once grades are published (each level adds to the
    one before): its points and how it ended; what it checks (its name and its cases); its
    failure message, which holds the inputs drawn from the grading seed."""

    POINTS = "points"
    DESCRIPTION = "description"
    FULL = "full"
