"""Mutant: right-shaped zeros on the meta device, a stub everywhere else."""


def cosine_similarity(x, y):
    if x.device.type != "meta":
        raise NotImplementedError("only the meta device is done")
    return (x * y).sum() * 0
