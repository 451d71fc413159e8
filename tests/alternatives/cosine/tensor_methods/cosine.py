"""A correct cosine similarity: the tensor methods x.dot(y) and x.norm()."""


def cosine_similarity(x, y):
    return x.dot(y) / (x.norm() * y.norm())
