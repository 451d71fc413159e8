"""Mutant: an empty tensor (shape (0,), which broadcasts against ()), with a graph."""


def cosine_similarity(x, y):
    return (x * y)[:0]
