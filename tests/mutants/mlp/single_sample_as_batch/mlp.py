"""Mutant: forward reshapes its input to a batch (view(-1, num_input_nodes)), so one sample
(a vector) gives a 1 x out matrix, not a vector."""

import torch


def forward(self, X):
    X = X.view(-1, self.num_input_nodes)
    return self.linear2(torch.relu(self.linear1(X)))


MyTwoLayerMLP.forward = forward
