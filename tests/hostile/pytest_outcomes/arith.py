"""Raises pytest's own outcomes from inside the submission: they must fail, not skip."""

import pytest


def add(a, b):
    pytest.skip("nothing to grade here")


def mean(xs):
    pytest.xfail("this was expected to fail anyway")


def shout(s):
    pytest.exit("grading is over", returncode=0)
