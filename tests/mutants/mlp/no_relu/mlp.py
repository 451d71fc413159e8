"""Mutant: forgets the ReLU between the layers."""


def forward(self, X):
    return self.linear2(self.linear1(X))


MyTwoLayerMLP.forward = forward
