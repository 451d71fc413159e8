"""Public spec tests of ``momentum.py``: ``MomentumGradientDescent.step``.

For every param p with gradient g: v <- momentum * v + g, then p <- p - lr * v, in place and
unrecorded by autograd. Expectations come from independent oracles computed here: the
formula itself, ``torch.optim.SGD(momentum=m, dampening=0, nesterov=False)`` and plain
gradient descent on the seed notebook's objective. The submission is reached only through
the probes of ``spec_tests/probes/momentum.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch

from spec_tests.checks import Overrides, check_close, check_meta, describe, fail, value_device
from spec_tests.params import BY_DEVICE_DTYPE, BY_DEVICE_DTYPE_AND_META
from spec_tests.support.momentum import (
    HINT_FORMULA,
    HINT_VELOCITY,
    Grads,
    check_trace,
    describe_run,
    oracle_minimize,
    oracle_run,
    run_optimizer,
    run_submission,
    seed_objective,
)

HINT_IN_PLACE = ("update each param in place (param -= lr * v, or param.sub_(...)) inside "
                 "`with torch.no_grad():`; `param = param - ...` only rebinds a name and "
                 "`param.data = ...` swaps its storage.")
HINT_VEL_META = ("make each velocity with torch.zeros_like(param): same shape, dtype and "
                 "device as its param, one per param, not requiring grad.")

#: Tolerance overrides of this module's checks (the others use checks.TOLERANCES).
TOL = Overrides({
    # Rounding differences compound over ~140 steps of an iterate of size ~1.
    "iterates": (1e-4, 1e-4),
    # Where |grad|^2 < 1e-6 stops the loop, a point is within ~2e-3 of the minimum (smallest
    # curvature there ~0.6), whichever step it stopped at.
    "minimum": (0.0, 1e-2),
})


def _randn(gen: torch.Generator, shape: tuple[int, ...], dtype: torch.dtype, device: str
           ) -> torch.Tensor:
    return torch.randn(shape, generator=gen, dtype=torch.float64).to(device=device, dtype=dtype)


def _params_and_grads(gen: torch.Generator, shapes: list[tuple[int, ...]], n_steps: int,
                      dtype: torch.dtype, device: str) -> tuple[list[torch.Tensor], Grads]:
    params = [_randn(gen, s, dtype, device) for s in shapes]
    grads: Grads = [[_randn(gen, s, dtype, device) for s in shapes] for _ in range(n_steps)]
    return params, grads


def sgd_oracle(params: list[torch.Tensor], grads: Grads, lr: float, momentum: float
               ) -> tuple[list[list[torch.Tensor]], list[torch.Tensor | None]]:
    """The params after every step and the final momentum buffers of torch.optim.SGD."""
    opt, tensors, trace = run_optimizer(
        lambda ts: torch.optim.SGD(ts, lr=lr, momentum=momentum, dampening=0, nesterov=False),
        params, grads)
    return trace, [opt.state[t].get("momentum_buffer") for t in tensors]


def formula_oracle(params: list[torch.Tensor], grads: Grads, lr: float, momentum: float
                   ) -> tuple[list[list[torch.Tensor]], list[torch.Tensor]]:
    """The params after every step and the final velocities, by the exercise's formula."""
    ps = [p.clone() for p in params]
    vs = [torch.zeros_like(p) for p in params]
    trace = []
    for step_grads in grads:
        for i, g in enumerate(step_grads):
            if g is not None:
                vs[i] = momentum * vs[i] + g
                ps[i] = ps[i] - lr * vs[i]
        trace.append([p.clone() for p in ps])
    return trace, vs


@pytest.mark.points(3)
@pytest.mark.values
@BY_DEVICE_DTYPE.parametrize
def test_momentum_one_step(subject, gen, device, dtype):
    """From zero velocity one step gives v = g and p = p - lr * g."""
    lr, momentum = 0.1, 0.9
    params, grads = _params_and_grads(gen, [(5,)], 1, dtype, device)
    call = describe_run(params, lr, momentum, 1)
    got = run_submission(subject, params, grads, lr, momentum)
    g = grads[0][0]
    check_close(got["params"][0], params[0] - lr * g, call=call, what="params[0]",
                hint=HINT_FORMULA)
    check_close(got["velocities"][0], g, call=call, what="velocities[0]", hint=HINT_VELOCITY)


@pytest.mark.points(4)
@pytest.mark.values
@BY_DEVICE_DTYPE.parametrize
def test_momentum_matches_sgd(subject, gen, device, dtype):
    """Six steps on params of shapes (3,), (2, 4), () follow torch.optim.SGD and the formula."""
    lr, momentum, n_steps = 0.05, 0.8, 6
    params, grads = _params_and_grads(gen, [(3,), (2, 4), ()], n_steps, dtype, device)
    call = describe_run(params, lr, momentum, n_steps)
    got = run_submission(subject, params, grads, lr, momentum)
    sgd_trace, buffers = sgd_oracle(params, grads, lr, momentum)
    check_trace(got, sgd_trace, call + " vs torch.optim.SGD", HINT_FORMULA)
    check_trace(got, formula_oracle(params, grads, lr, momentum)[0], call + " vs the formula",
                 HINT_FORMULA)
    for i, buffer in enumerate(buffers):
        check_close(got["velocities"][i], buffer, call=call + " vs torch.optim.SGD",
                    what=f"velocities[{i}] (SGD's momentum_buffer)", hint=HINT_VELOCITY)


@pytest.mark.points(2)
@pytest.mark.values
@BY_DEVICE_DTYPE.parametrize
def test_momentum_zero_equals_gd(subject, gen, device, dtype):
    """With momentum=0 every step is plain gradient descent, p <- p - lr * g."""
    lr, n_steps = 0.3, 4
    params, grads = _params_and_grads(gen, [(4,), (2, 3)], n_steps, dtype, device)
    call = describe_run(params, lr, 0.0, n_steps)
    got = run_submission(subject, params, grads, lr, 0.0)
    expected, ps = [], list(params)
    for step_grads in grads:
        ps = [p - lr * g for p, g in zip(ps, step_grads, strict=True)]
        expected.append(ps)
    check_trace(got, expected, call + " vs gradient descent",
                 "with momentum=0, v = g and the step is p <- p - lr * g.")


def _value_then_meta(gen: torch.Generator, shapes: list[tuple[int, ...]], n_steps: int,
                     dtype: torch.dtype, device: str) -> list[tuple[list[torch.Tensor], Grads]]:
    """The runs of a case: on its device; for ``meta``, on the CPU first (values to check),
    then the same on ``meta``."""
    params, grads = _params_and_grads(gen, shapes, n_steps, dtype, value_device(device))
    runs = [(params, grads)]
    if device == "meta":
        runs.append(([p.to("meta") for p in params],
                     [[None if g is None else g.to("meta") for g in step] for step in grads]))
    return runs


def _in_place_problems(got: dict[str, Any], storage: bool) -> list[str]:
    """What step() did that an in-place, unrecorded update does not (``storage``: compare
    data pointers, which a ``meta`` tensor does not have)."""
    problems = []
    if not got["same_objects"]:
        problems.append("optimizer.params no longer holds the tensors it was given")
    for i, p in enumerate(got["params"]):
        if storage and not got["storage_kept"][i]:
            problems.append(f"params[{i}] got a new storage (data_ptr changed)")
        if not got["is_leaf"][i] or not got["held_is_leaf"][i] or got["held_has_grad_fn"][i]:
            problems.append(f"params[{i}] is no longer a leaf: autograd recorded the update")
        if type(p) is torch.Tensor and not p.requires_grad:
            problems.append(f"params[{i}].requires_grad is False, but should stay True")
    if not got["grad_enabled_after"]:
        problems.append("autograd is switched off after step(): use `with torch.no_grad():`")
    return problems


@pytest.mark.points(3)
@pytest.mark.gradients
@BY_DEVICE_DTYPE_AND_META.parametrize
def test_momentum_updates_in_place(subject, gen, device, dtype):
    """step() changes the caller's tensors in place to the formula's values and autograd
    records nothing (the meta case: on the CPU first, then what meta can show)."""
    lr, momentum = 0.1, 0.9
    for params, grads in _value_then_meta(gen, [(3,), (2, 2)], 2, dtype, device):
        call = describe_run(params, lr, momentum, 2)
        got = run_submission(subject, params, grads, lr, momentum)
        on_meta = params[0].device.type == "meta"
        problems = _in_place_problems(got, storage=not on_meta)
        if problems:
            fail(call, "step() is not an in-place, unrecorded update", problems, HINT_IN_PLACE)
        if not on_meta:
            expected = formula_oracle(params, grads, lr, momentum)[0][-1]
            for i, (p, want) in enumerate(zip(got["params"], expected, strict=True)):
                check_close(p.detach(), want, call=call, what=f"the caller's params[{i}]",
                            hint=HINT_IN_PLACE)


@pytest.mark.points(3)
@pytest.mark.device
@BY_DEVICE_DTYPE_AND_META.parametrize
def test_momentum_velocities(subject, gen, device, dtype):
    """After steps: one velocity per param, of its shape, dtype and device, not requiring grad,
    holding the formula's values (the meta case: on the CPU first)."""
    lr, momentum = 0.1, 0.9
    for params, grads in _value_then_meta(gen, [(3,), (2, 2), (3,)], 2, dtype, device):
        call = describe_run(params, lr, momentum, 2)
        got = run_submission(subject, params, grads, lr, momentum)
        velocities = got["velocities"]
        if len(velocities) != len(params):
            fail(call, f"len(velocities)={len(velocities)}, but should be {len(params)} "
                 "(one per param)", hint=HINT_VEL_META)
        if not got["velocities_distinct"]:
            fail(call, "velocities share tensor objects: each param needs its own",
                 hint=HINT_VEL_META)
        device_type = params[0].device.type
        for i, (v, p) in enumerate(zip(velocities, params, strict=True)):
            check_meta(v, shape=tuple(p.shape), dtype=dtype, device=device_type, call=call,
                       what=f"velocities[{i}]", hint=HINT_VEL_META)
            if v.requires_grad:
                fail(call, f"velocities[{i}].requires_grad is True, but should be False",
                     hint=HINT_VEL_META)
        if device_type != "meta":
            expected = formula_oracle(params, grads, lr, momentum)[1]
            for i, (v, want) in enumerate(zip(velocities, expected, strict=True)):
                check_close(v, want, call=call, what=f"velocities[{i}]", hint=HINT_VELOCITY)


@pytest.mark.points(2)
@pytest.mark.values
@BY_DEVICE_DTYPE.parametrize
def test_momentum_skips_params_without_grad(subject, gen, device, dtype):
    """A param whose .grad is None is left alone, its velocity too (as torch.optim.SGD does)."""
    lr, momentum = 0.1, 0.9
    params, grads = _params_and_grads(gen, [(3,), (2,)], 3, dtype, device)
    grads[0][1] = None
    grads[2][0] = None
    call = (describe_run(params, lr, momentum, 3) + " with params[1].grad None at step 1 and "
            "params[0].grad None at step 3")
    got = run_submission(subject, params, grads, lr, momentum)
    hint = "skip a param whose .grad is None: `if p.grad is None: continue`."
    sgd_trace, buffers = sgd_oracle(params, grads, lr, momentum)
    check_trace(got, sgd_trace, call + " vs torch.optim.SGD", hint)
    for i, buffer in enumerate(buffers):
        check_close(got["velocities"][i], buffer, call=call + " vs torch.optim.SGD",
                    what=f"velocities[{i}]", hint=hint)


@pytest.mark.points(3)
@pytest.mark.convergence
@BY_DEVICE_DTYPE.parametrize
def test_momentum_converges_faster_than_gd(subject, device, dtype):
    """Seed objective from [0.8, 0.8], lr 0.1: momentum 0.9 needs fewer steps than plain GD."""
    lr, momentum, max_iter = 0.1, 0.9, 500
    f, data = seed_objective(dtype, device)
    init = torch.tensor([0.8, 0.8], dtype=dtype, device=device)
    call = (f"the seed's minimize(f, MomentumGradientDescent([x0], lr={lr}, momentum="
            f"{momentum})) with x0 = [0.8, 0.8] ({describe(init)}), f = the difference of "
            f"two Gaussians")
    got = subject.call("momentum.minimize_seed", init=init, lr=lr, momentum=momentum,
                       max_iter=max_iter, **data)
    trace = got["trace"]
    check_meta(trace, dtype=dtype, device=device, call=call, what="the iterates")
    # Plain GD only has to be run one step past the submission's count to rank the two
    # (the seed's GD needs 313 steps, momentum 136).
    gd_cap = min(max_iter, len(trace) + 1)
    gd_steps = len(oracle_minimize(f, init, lr, 0.0, gd_cap))
    gd_text = f"more than {len(trace)}" if gd_steps == gd_cap > len(trace) else str(gd_steps)
    expected, final = oracle_run(f, init, lr, momentum, max_iter)
    # Within a step of SGD's count (rounding near the stopping rule), never "faster" by
    # leaving for a flat region: the iterates and the point reached are SGD's.
    if not got["converged"] or len(trace) >= gd_steps or abs(len(trace) - len(expected)) > 1:
        fail(call, f"momentum took {len(trace)} steps"
             f"{'' if got['converged'] else ' (not converged)'}, plain gradient descent "
             f"{gd_text}, torch.optim.SGD(momentum={momentum}) {len(expected)}",
             hint=HINT_FORMULA)
    n = min(len(trace), len(expected))
    check_close(trace[:n], expected[:n], tol=TOL("iterates"), call=call,
                what="the iterates vs torch.optim.SGD", hint=HINT_FORMULA)
    check_close(got["final"], final, tol=TOL("minimum"), call=call,
                what="the point reached vs torch.optim.SGD's minimum", hint=HINT_FORMULA)
