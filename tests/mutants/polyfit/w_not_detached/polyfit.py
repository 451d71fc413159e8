"""Mutant: the autograd backend returns the leaf w, which still requires grad."""


def _train_autograd(x, y, n_steps, lr, degree):  # every run, long ones too: no compiled loop
    w, trace = _train_autograd_eager(x, y, n_steps, lr, degree)
    return w.requires_grad_(), trace
