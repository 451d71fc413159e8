"""What two probes observe next to the student's code, and that they leave torch as they
found it: the library Hessians made unavailable (with a message saying what to do), and the
calls and backward passes of the function elementwise_grad differentiates."""

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
