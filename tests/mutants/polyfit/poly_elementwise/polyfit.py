"""Mutant: poly multiplies the powers by w elementwise: N x (D+1) instead of N x 1."""


def poly(x, w):
    return dpoly_dw(x, w) * w.T
