"""Mutant: right-shaped zeros from forward, which meta alone cannot tell from an output."""


def forward(self, X):
    return 0 * self.linear2(self.linear1(X))


MyTwoLayerMLP.forward = forward
