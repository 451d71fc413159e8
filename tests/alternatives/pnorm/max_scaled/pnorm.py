"""A correct Norm that cannot overflow for large p: m * ||x / m||_p with m the largest
entry of each column (the norm is homogeneous of degree 1)."""

import torch
from torch import nn


class Norm(nn.Module):
    def __init__(self, p=2.0):
        super().__init__()
        self.p = nn.Parameter(torch.tensor([float(p)]))

    def forward(self, x):
        m = x.max(dim=0).values
        return m * torch.sum((x / m) ** self.p, dim=0) ** (1 / self.p)
