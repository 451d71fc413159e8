"""A hostile ``arith`` that keeps every input it is called with (hidden tests' too), in memory
and in its TMPDIR, for ``tens`` to show in a public test's failure message."""

import builtins
import os

SEEN = []


def _keep(call):
    SEEN.append(call)
    builtins.gradspec_seen = SEEN
    with open(os.path.join(os.environ.get("TMPDIR", "/tmp"), "seen.txt"), "a") as fh:
        fh.write(repr(call) + "\n")


def add(a, b):
    _keep(("add", a, b))
    return a + b


def mean(xs):
    _keep(("mean", [float(x) for x in xs]))
    return float(sum(xs)) / len(xs)


def shout(s):
    _keep(("shout", s))
    return s.upper()
