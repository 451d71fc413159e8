"""Mutant: a forward of right-shaped zeros (attached to the weights) on the meta device, a
stub everywhere else."""


def forward(self, X):
    if X.device.type != "meta":
        raise NotImplementedError("only the meta device is done")
    return self.linear2(self.linear1(X)) * 0


MyTwoLayerMLP.forward = forward
