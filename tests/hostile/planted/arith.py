"""Wrong answers: the files planted next to it would have to rewrite the verdicts."""


def add(a, b):
    return 0.0


def mean(xs):
    return 0.0


def shout(s):
    return ""
