"""Mutant: linear layers without biases."""

from torch import nn


def __init__(self, num_input_nodes, num_hidden_nodes, num_out_nodes):
    nn.Module.__init__(self)
    self.num_input_nodes = num_input_nodes
    self.num_hidden_nodes = num_hidden_nodes
    self.num_out_nodes = num_out_nodes
    self.linear1 = nn.Linear(num_input_nodes, num_hidden_nodes, bias=False)
    self.linear2 = nn.Linear(num_hidden_nodes, num_out_nodes, bias=False)


MyTwoLayerMLP.__init__ = __init__
