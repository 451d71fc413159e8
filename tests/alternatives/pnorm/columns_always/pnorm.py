"""A correct Norm: a vector is treated as one column, so every input is n x B."""

import torch
from torch import nn


class Norm(nn.Module):
    def __init__(self, p=2.0):
        super().__init__()
        self.register_parameter("p", nn.Parameter(torch.tensor([p], dtype=torch.float32)))

    def forward(self, x):
        if x.dim() == 1:
            x = x.unsqueeze(1)
        return torch.pow(torch.sum(torch.pow(x, self.p), dim=0), 1 / self.p)
