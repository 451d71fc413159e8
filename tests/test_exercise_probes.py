"""What three probes observe next to the student's code, and that they leave torch as they
found it: the library Hessians made unavailable (with a message saying what to do), the
calls and backward passes of the function elementwise_grad differentiates, and the grader's
weights loaded into a student's MLP whatever containers also hold its layers."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
import torch
import torch.autograd.functional
import torch.func

ROOT = Path(__file__).resolve().parent.parent


def _module(name: str, source: str) -> ModuleType:
    """A student's module from its source."""
    module = ModuleType(name)
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    return module


def _probe(name: str) -> ModuleType:
    path = ROOT / "spec_tests" / "probes" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"probe_under_test_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("source, named", [
    ("from torch.autograd.functional import hessian as h\n"
     "def hessian(f, w):\n    return h(f, w)\n", "torch.autograd.functional.hessian"),
    ("import torch\ndef hessian(f, w):\n    return torch.func.hessian(f)(w)\n",
     "torch.func.hessian"),
    ("from torch.func import hessian\n", "torch.func.hessian"),
], ids=["imported-by-name", "module-attribute", "is-the-library"])
def test_the_library_hessians_are_unavailable_while_the_submission_runs(source: str,
                                                                         named: str) -> None:
    probe = _probe("hessian")
    originals = (torch.autograd.functional.hessian, torch.func.hessian)
    student = _module("hessian", source)
    with pytest.raises(probe.ForbiddenCall) as info:
        probe.hessian(student, torch.tensor([4.0, 5.0, 6.0]), {"kind": "lab"})
    assert str(info.value).startswith(f"{named} is not allowed in hessian.py")
    assert "torch.autograd.grad(f(w), w, create_graph=True)" in str(info.value)
    assert (torch.autograd.functional.hessian, torch.func.hessian) == originals
    assert torch.equal(torch.autograd.functional.hessian(probe.get_loss, torch.ones(3)),
                       torch.diag(torch.tensor([2.0, 8.0, 18.0])))


def test_the_elementwise_probe_counts_calls_and_backward_passes() -> None:
    probe = _probe("elementwise_grad")
    reference = _module("elementwise_grad", (ROOT / "reference" / "elementwise_grad.py")
                        .read_text())
    loop = _module("elementwise_grad", (
        "import torch\n"
        "def elementwise_grad(f, x):\n"
        "    p = x.detach().clone().requires_grad_()\n"
        "    y = f(p)\n"
        "    for i in range(len(y)):\n"
        "        y.backward(torch.eye(len(y))[i], retain_graph=True)\n"
        "    return p.grad\n"))
    x = torch.linspace(-1.0, 1.0, 7)
    good = probe.derivative(reference, x, [("sin", 1.0, 1.0)])
    assert (good["calls"], good["backward_passes"], good["graph_held"]) == (1, 1, False)
    assert torch.allclose(good["value"], torch.cos(x))
    bad = probe.derivative(loop, x, [("sin", 1.0, 1.0)])
    assert (bad["calls"], bad["backward_passes"], bad["graph_held"]) == (1, 7, True)


_ALIASED_MLP = """
import torch
from torch import nn


class MyTwoLayerMLP(nn.Module):
    def __init__(self, n_in, n_hidden, n_out):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_in, n_hidden), nn.ReLU(), nn.Linear(n_hidden, n_out))
        self.linear1, self.linear2 = self.net[0], self.net[2]

    def forward(self, X):
        return self.net(X)
"""


def test_the_mlp_probe_loads_weights_into_layers_a_container_also_holds() -> None:
    probe = _probe("mlp")
    gen = torch.Generator().manual_seed(3)
    state = {"linear1.weight": torch.randn(4, 3, generator=gen, dtype=torch.float64),
             "linear1.bias": torch.randn(4, generator=gen, dtype=torch.float64),
             "linear2.weight": torch.randn(2, 4, generator=gen, dtype=torch.float64),
             "linear2.bias": torch.randn(2, generator=gen, dtype=torch.float64)}
    x = torch.randn(5, 3, generator=gen, dtype=torch.float64)
    student = _module("mlp", _ALIASED_MLP)
    got = probe.forward(student, [3, 4, 2], state, x, "cpu", torch.float64)
    hidden = torch.relu(x @ state["linear1.weight"].T + state["linear1.bias"])
    torch.testing.assert_close(got, hidden @ state["linear2.weight"].T + state["linear2.bias"])
    assert sorted(probe.structure(student, [3, 4, 2], x.float())["state"]) == sorted(state)
    renamed = _module("mlp", _ALIASED_MLP.replace("self.linear1, self.linear2", "self.a, self.b"))
    with pytest.raises(RuntimeError, match="linear1.weight"):
        probe.forward(renamed, [3, 4, 2], state, x, "cpu", torch.float64)
