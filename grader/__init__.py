"""gradspec's grading harness: grades any pytest spec suite whose tests carry points."""

__version__ = "0.1.0"


def check(exercise: str | None = None, **options: object) -> object:
    """In a notebook: run the public tests of ``exercise`` (every exercise when None) against
    the definitions the kernel holds now, and show the score and the failures.

    Imported on first use (:mod:`grader.kernel_check`), so ``import grader`` stays light.
    """
    from grader.kernel_check import check as run_check

    return run_check(exercise, **options)  # type: ignore[arg-type]
