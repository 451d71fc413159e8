"""Probes run next to the student's ``mlp.py``: they build the model with the grader's
weights, run it forward, train it with ``train_one_step`` and ``torch.optim.SGD``, and
return plain data.

Weights travel as a state dict of plain tensors (``linear1.weight``, ...), loaded into the
student's model in the requested dtype, then moved to the device. Every verdict is the test's.
"""

from __future__ import annotations

from typing import Any

import torch

State = dict[str, torch.Tensor]


def _type_name(value: Any) -> str:
    t = type(value)
    return f"{t.__module__}.{t.__qualname__}"


def _names(model: Any) -> dict[str, Any]:
    """Each distinct parameter once, under its shortest name: a layer also reachable through
    a container (``self.net = nn.Sequential(self.linear1, ...)``) keeps the name
    ``linear1.weight`` whichever attribute was assigned first."""
    shortest: dict[int, tuple[str, Any]] = {}
    for name, p in model.named_parameters(remove_duplicate=False):
        kept = shortest.get(id(p))
        if kept is None or (name.count("."), name) < (kept[0].count("."), kept[0]):
            shortest[id(p)] = (name, p)
    return dict(shortest.values())


def _state(model: Any) -> State:
    return {name: p.detach().clone().as_subclass(torch.Tensor)
            for name, p in _names(model).items()}


def _load(model: Any, state: State) -> None:
    """``state`` into the model's parameters by name, each distinct parameter once (so an
    alias of a layer is loaded with it); other names raise as ``load_state_dict`` does."""
    params = _names(model)
    if set(params) != set(state):
        model.load_state_dict(state)  # raises, naming the missing and unexpected keys
        return
    with torch.no_grad():
        for name, value in state.items():
            params[name].copy_(value)


def _model(mod: Any, sizes: list[int], state: State | None, device: str,
           dtype: torch.dtype) -> Any:
    """``MyTwoLayerMLP(*sizes)`` in ``dtype``, with ``state`` loaded, on ``device``."""
    model = mod.MyTwoLayerMLP(*sizes).to(dtype=dtype)
    if state is not None:
        _load(model, state)
    return model.to(device=device)


def _loss(value: Any) -> dict[str, Any]:
    """A returned loss: its type and, for a tensor, its value without a graph."""
    tensor = type(value) is torch.Tensor
    return {"type": _type_name(value), "value": value.detach().clone() if tensor else value}


def structure(mod: Any, sizes: list[int], X: torch.Tensor) -> dict[str, Any]:
    """A fresh ``MyTwoLayerMLP(*sizes)``: its layers, size attributes and parameters, and its
    output on ``X`` with the weights it was built with."""
    model = mod.MyTwoLayerMLP(*sizes)
    layers = {}
    for name in ("linear1", "linear2"):
        layer = getattr(model, name, None)
        layers[name] = {"type": _type_name(layer),
                        "in_features": getattr(layer, "in_features", None),
                        "out_features": getattr(layer, "out_features", None)}
    with torch.no_grad():
        out = model(X)
    return {
        "is_module": isinstance(model, torch.nn.Module),
        "sizes": [getattr(model, name, None) for name in
                  ("num_input_nodes", "num_hidden_nodes", "num_out_nodes")],
        "layers": layers,
        "state": _state(model),
        "output": out,
    }


def forward(mod: Any, sizes: list[int], state: State, X: torch.Tensor, device: str,
            dtype: torch.dtype) -> Any:
    """The model with ``state`` on ``device`` in ``dtype``, applied to ``X``."""
    model = _model(mod, sizes, state, device, dtype)
    with torch.no_grad():
        return model(X)


def train(mod: Any, sizes: list[int], state: State, batches: list[list[torch.Tensor]],
          lr: float, device: str, dtype: torch.dtype) -> dict[str, Any]:
    """``train_one_step(model, optimizer, X, y)`` for every ``(X, y)`` of ``batches`` with one
    ``torch.optim.SGD(model.parameters(), lr)``: the returned losses and the weights after
    every step."""
    model = _model(mod, sizes, state, device, dtype)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses, states = [], []
    for X, y in batches:
        losses.append(_loss(mod.train_one_step(model, optimizer, X, y)))
        states.append(_state(model))
    return {"losses": losses, "states": states}


def lab_run(mod: Any, sizes: list[int], state: State, X: torch.Tensor, y: torch.Tensor,
            epochs: int, lr: float, device: str) -> dict[str, Any]:
    """The lab's run: ``epochs`` passes of per-sample ``train_one_step`` with
    ``torch.optim.SGD(lr)``, each loss kept with ``.item()`` as the lab does."""
    model = _model(mod, sizes, state, device, torch.float32)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        for X_i, y_i in zip(X, y, strict=True):
            losses.append(mod.train_one_step(model, optimizer, X_i, y_i).item())
    return {"losses": torch.tensor(losses, dtype=torch.float64), "state": _state(model)}


def generate(mod: Any, N: int, num_in: int | None, seed: int) -> dict[str, Any]:
    """``generate_data(N[, num_in])`` after ``torch.manual_seed(seed)``, the same again after
    re-seeding, and the next call's X without re-seeding."""
    def call() -> Any:
        return mod.generate_data(N) if num_in is None else mod.generate_data(N, num_in)

    torch.manual_seed(seed)
    first = call()
    torch.manual_seed(seed)
    again = call()
    following = call()
    pair = type(first) in (tuple, list) and len(first) == 2
    return {
        "type": _type_name(first),
        "pair": pair,
        "X": first[0] if pair else None,
        "y": first[1] if pair else None,
        "X_again": again[0] if pair else None,
        "X_next": following[0] if pair else None,
    }
