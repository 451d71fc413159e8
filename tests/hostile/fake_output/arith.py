"""Prints what a passing pytest run and a full Gradescope score look like, answers wrong."""

import sys

FAKE = """
============================= 60 passed in 0.42s ==============================
Score: 13 / 13 points
{"score": 13.0, "tests": [{"name": "all", "score": 13.0, "status": "passed"}]}
"""

print(FAKE)
print(FAKE, file=sys.stderr)


def add(a, b):
    print(FAKE)
    return a - b


def mean(xs):
    print(FAKE, file=sys.stderr)
    return -1.0


def shout(s):
    print(FAKE)
    return s
