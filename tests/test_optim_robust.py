"""Optimizers under bad input: checked hyperparameters, missing gradients, non-finite state."""

from __future__ import annotations

import copy
import json
import math
import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value, optim

BAD_HYPERPARAMETERS: list[tuple[str, dict[str, Any], type[Exception], str]] = [
    ("Adam", {"eps": 0.0}, ValueError, r"Adam eps must be in \(0, inf\), got 0.0"),
    ("Adam", {"eps": -1e-8}, ValueError, r"eps must be in \(0, inf\)"),
    ("Adam", {"eps": math.nan}, ValueError, r"eps must be in \(0, inf\), got nan"),
    ("Adam", {"eps": math.inf}, ValueError, r"eps must be in \(0, inf\), got inf"),
    ("Adam", {"lr": math.inf}, ValueError, r"Adam lr must be in \[0, inf\), got inf"),
    ("Adam", {"lr": -0.1}, ValueError, r"lr must be in \[0, inf\)"),
    ("Adam", {"lr": 10**400}, ValueError, r"lr must be in \[0, inf\), got inf"),
    ("Adam", {"lr": "0.1"}, TypeError, "lr must be a number, got str"),
    ("Adam", {"lr": True}, TypeError, "lr must be a number, got bool"),
    ("Adam", {"betas": (1.0, 0.999)}, ValueError, r"beta1 must be in \[0, 1\), got 1.0"),
    ("Adam", {"betas": (0.9, -0.1)}, ValueError, r"beta2 must be in \[0, 1\)"),
    ("Adam", {"betas": (math.nan, 0.9)}, ValueError, r"beta1 must be in \[0, 1\), got nan"),
    ("Adam", {"betas": (0.9,)}, ValueError, "betas must be a pair"),
    ("Adam", {"betas": "ab"}, ValueError, "betas must be a pair"),
    ("Adam", {"betas": (0.9, None)}, TypeError, "beta2 must be a number"),
    ("Adam", {"weight_decay": -1.0}, ValueError, r"weight_decay must be in \[0, inf\)"),
    ("Adam", {"weight_decay": math.inf}, ValueError, r"weight_decay must be in \[0, inf\)"),
    ("SGD", {"lr": math.nan}, ValueError, r"SGD lr must be in \[0, inf\), got nan"),
    ("SGD", {"momentum": -0.5}, ValueError, r"momentum must be in \[0, inf\)"),
    ("SGD", {"momentum": math.inf}, ValueError, r"momentum must be in \[0, inf\)"),
    ("SGD", {"dampening": 1.5}, ValueError, r"dampening must be in \[0, 1\], got 1.5"),
    ("SGD", {"dampening": -1.0}, ValueError, r"dampening must be in \[0, 1\]"),
    ("SGD", {"nesterov": "yes"}, TypeError, "nesterov must be True or False"),
    ("SGD", {"nesterov": True}, ValueError, "nesterov=True needs momentum > 0"),
    ("SGD", {"weight_decay": "0"}, TypeError, "weight_decay must be a number, got str"),
]


@pytest.mark.parametrize(
    "kind, kwargs, error, message",
    BAD_HYPERPARAMETERS,
    ids=[f"{k}-{next(iter(a))}={next(iter(a.values()))!r:.12}" for k, a, *_ in BAD_HYPERPARAMETERS],
)
def test_a_bad_hyperparameter_is_refused_at_construction_naming_the_range(
    kind: str, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    args = {"lr": 0.1, **kwargs}
    with pytest.raises(error, match=message):
        getattr(optim, kind)([Value(1.0)], **args)


def test_numpy_scalars_are_accepted_as_hyperparameters() -> None:
    opt = optim.Adam(
        [Value(1.0)], lr=np.float32(0.5), betas=(np.float64(0.5), 0.75), eps=np.float64(1e-8)
    )
    assert opt.betas == (0.5, 0.75) and opt.current_lr() == 0.5
    assert optim.SGD([Value(1.0)], lr=np.float64(0.1), momentum=np.int64(0)).momentum == 0.0


def test_adam_takes_an_exactly_zero_gradient() -> None:
    w = Value(1.0)
    w.grad = 0.0
    optim.Adam([w], lr=0.1, eps=1e-300).step()
    assert w.data == 1.0


# --- missing gradients --------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: optim.SGD(ps, lr=0.1),
        lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
        lambda ps: optim.Adam(ps, lr=0.1, weight_decay=0.01),
    ],
    ids=["sgd", "sgd-momentum", "adam"],
)
def test_a_parameter_without_gradient_is_skipped(make: Any) -> None:
    a, b = Value(1.0), Value(2.0)
    opt = make([a, b])
    a.grad, b.grad = 0.5, None
    opt.step()
    assert a.data != 1.0 and b.data == 2.0


GRADS = [(0.5, None), (0.25, -1.0), (None, 2.0), (-0.75, 0.125)]


@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_skipped_gradients_match_torch_step_for_step(kind: str) -> None:
    torch = pytest.importorskip("torch")
    ours = [Value(1.0), Value(-2.0)]
    theirs = [torch.tensor(v.data, dtype=torch.float64, requires_grad=True) for v in ours]
    if kind == "sgd":
        opt: optim.Optimizer = optim.SGD(ours, lr=0.1, momentum=0.9, weight_decay=0.1)
        ref = torch.optim.SGD(theirs, lr=0.1, momentum=0.9, weight_decay=0.1)
    else:
        opt = optim.Adam(ours, lr=0.1, weight_decay=0.1)
        ref = torch.optim.Adam(theirs, lr=0.1, weight_decay=0.1, foreach=False)
    for grads in GRADS:
        for p, t, g in zip(ours, theirs, grads):
            p.grad = g
            t.grad = None if g is None else torch.tensor(g, dtype=torch.float64)
        opt.step()
        ref.step()
        assert [p.data for p in ours] == pytest.approx([t.item() for t in theirs], rel=1e-13)


def test_a_gradient_that_is_not_a_number_names_the_parameter_and_changes_nothing() -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    opt = optim.Adam([a, b], lr=0.1)
    a.grad, b.grad = 1.0, "0.5"  # type: ignore[assignment]
    with pytest.raises(TypeError, match=r"parameter 1 \('b'\) has a gradient of type str"):
        opt.step()
    assert (a.data, b.data, opt.steps, opt.state["exp_avg"]) == (1.0, 2.0, 0, None)


def test_numpy_gradients_are_numbers() -> None:
    w = Value(1.0)
    w.grad = np.float32(2.0)  # type: ignore[assignment]
    optim.SGD([w], lr=0.25).step()
    assert w.data == 0.5


# --- state that round-trips whatever the gradients were -----------------------


def trained_adam() -> tuple[list[Value], optim.Adam]:
    ps = [Value(1.0), Value(2.0)]
    opt = optim.Adam(ps, lr=0.1)
    ps[0].grad, ps[1].grad = 1e200, 0.5  # g² overflows: exp_avg_sq becomes inf
    opt.step()
    return ps, opt


def test_a_state_with_inf_is_strict_json_and_loads_back() -> None:
    ps, opt = trained_adam()
    state = opt.state_dict()
    assert state["exp_avg_sq"][0] == "inf"
    text = json.dumps(state, allow_nan=False)
    again = optim.Adam([Value(p.data) for p in ps], lr=0.1)
    again.load_state_dict(json.loads(text))
    assert again.state_dict() == state
    assert math.isinf(again.state["exp_avg_sq"][0])  # type: ignore[index]


def test_a_loaded_non_finite_state_continues_exactly_like_the_original() -> None:
    ps, opt = trained_adam()
    copies = [Value(p.data) for p in ps]
    resumed = optim.Adam(copies, lr=0.1)
    resumed.load_state_dict(json.loads(json.dumps(opt.state_dict())))
    for grads in [(0.5, -0.25), (1.0, 2.0)]:
        for p, q, g in zip(ps, copies, grads):
            p.grad = q.grad = g
        opt.step()
        resumed.step()
    assert [p.data for p in copies] == [p.data for p in ps]


@pytest.mark.parametrize("entry", [math.nan, math.inf, -math.inf, "nan", "inf", "-inf"])
def test_a_non_finite_momentum_is_refused_by_name(entry: Any) -> None:
    """No step leaves one (a step that overflows it is refused), and it would stop every step."""
    opt = optim.SGD([Value(1.0)], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match=r"SGD.load_state_dict: 'momentum_buffer' entry 0 "):
        opt.load_state_dict({"steps": 3, "momentum_buffer": [entry]})
    assert opt.steps == 0 and opt.state == {"momentum_buffer": None}


@pytest.mark.parametrize(
    "state",
    [
        {"steps": 1, "momentum_buffer": ["infinity"]},
        {"steps": 1, "momentum_buffer": [True]},
        {"steps": 1, "momentum_buffer": [10**400]},
        {"steps": True, "momentum_buffer": None},
        {"steps": -1, "momentum_buffer": None},
        {"steps": 1, "momentum_buffer": None, "extra": 1},
        {"steps": 1, "momentum_buffer": "1.0"},
    ],
    ids=repr,
)
def test_a_bad_optimizer_state_is_refused_and_changes_nothing(state: dict[str, Any]) -> None:
    opt = optim.SGD([Value(1.0)], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError):
        opt.load_state_dict(state)
    assert opt.steps == 0 and opt.state == {"momentum_buffer": None}


def test_a_state_from_version_0_1_without_per_parameter_counts_loads() -> None:
    ps, opt = trained_adam()
    old = {k: v for k, v in opt.state_dict().items() if k != "step"}
    again = optim.Adam([Value(p.data) for p in ps], lr=0.1)
    again.load_state_dict(old)
    assert again.state["step"] == [1, 1]


def test_a_failed_step_changes_no_parameter_and_no_state() -> None:
    ps, opt = trained_adam()
    before = ([p.data for p in ps], copy.deepcopy(opt.state_dict()), opt.steps)
    ps[0].grad, ps[1].grad = 0.5, math.nan
    with pytest.raises(ValueError, match="nothing was updated"):
        opt.step()
    assert ([p.data for p in ps], opt.state_dict(), opt.steps) == before


# --- property: any gradient history round-trips through strict JSON ------------------

gradient = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False))


@settings(max_examples=60, deadline=None)
@given(
    history=st.lists(st.tuples(gradient, gradient), min_size=1, max_size=4),
    last=st.tuples(gradient, gradient),
    kind=st.sampled_from(["adam", "sgd"]),
)
def test_any_gradient_history_round_trips_through_strict_json(
    history: list[tuple[float | None, float | None]],
    last: tuple[float | None, float | None],
    kind: str,
) -> None:
    def make(ps: list[Value]) -> optim.Optimizer:
        if kind == "adam":
            return optim.Adam(ps, lr=0.01)
        return optim.SGD(ps, lr=0.01, momentum=0.9)

    def step(opt: optim.Optimizer, ps: list[Value], grads: tuple[float | None, ...]) -> str:
        for p, g in zip(ps, grads):
            p.grad = g
        try:
            opt.step()
        except ValueError as exc:  # a step that would overflow: refused, nothing changed
            return str(exc)
        return "ok"

    ps = [Value(0.5), Value(-1.5)]
    opt = make(ps)
    for grads in history:
        step(opt, ps, grads)
    copies = [Value(p.data) for p in ps]
    resumed = make(copies)
    resumed.load_state_dict(json.loads(json.dumps(opt.state_dict(), allow_nan=False)))
    assert step(opt, ps, last) == step(resumed, copies, last)
    assert [p.data for p in copies] == [p.data for p in ps]
    assert json.dumps(resumed.state_dict()) == json.dumps(opt.state_dict())


# --- Adam's state: only what a run could leave ------------------------------------------


def adam_before_and_after(state: dict[str, Any]) -> tuple[optim.Adam, Exception]:
    """Load ``state`` into a trained Adam; return it and the error, checking nothing changed."""
    ps, opt = trained_adam()
    before = (copy.deepcopy(opt.state), opt.steps, [p.data for p in ps])
    with pytest.raises((ValueError, TypeError)) as info:
        opt.load_state_dict(state)
    assert (opt.state, opt.steps, [p.data for p in ps]) == before
    return opt, info.value


@pytest.mark.parametrize(
    "state, message",
    [
        (
            {"steps": 3, "exp_avg": [0.1, 0.0], "exp_avg_sq": [-1.0, 0.0], "step": [3, 3]},
            r"'exp_avg_sq' entry 0 \(parameter 0\) is -1.0",
        ),
        (
            {"steps": 3, "exp_avg": [0.1, 0.0], "exp_avg_sq": [0.0, "nan"], "step": [3, 3]},
            r"'exp_avg_sq' entry 1 \(parameter 1\) is 'nan'",
        ),
        (
            {"steps": 3, "exp_avg": ["inf", 0.0], "exp_avg_sq": [1.0, 1.0], "step": [3, 3]},
            r"'exp_avg' entry 0 \(parameter 0\) is 'inf'",
        ),
        (
            {"steps": 3, "exp_avg": [0.1, math.nan], "exp_avg_sq": [1.0, 1.0], "step": [3, 3]},
            r"'exp_avg' entry 1 \(parameter 1\) is nan",
        ),
        (
            {"steps": 3, "exp_avg": [0.1, None], "exp_avg_sq": [1.0, 1.0], "step": [3, 3]},
            r"'exp_avg' entry 1 \(parameter 1\) is None",
        ),
        (
            {"steps": 3, "exp_avg": None, "exp_avg_sq": [1.0, 1.0], "step": [3, 3]},
            r"all be lists or all be None, got exp_avg=None, exp_avg_sq=a list",
        ),
        (
            {"steps": 3, "exp_avg": [0.1, 0.0], "exp_avg_sq": [1.0, 1.0], "step": [0, 3]},
            r"parameter 0 has moments exp_avg=0.1, exp_avg_sq=1.0 but 'step' entry 0 is 0",
        ),
        (
            {"steps": 3, "exp_avg": [0.1, 0.0], "exp_avg_sq": [1.0, 1.0], "step": [4, 3]},
            r"'step' entry 0 \(parameter 0\) is 4, more than the optimizer's 'steps' 3",
        ),
        (
            {"steps": 3, "exp_avg": [0.1, 0.0], "exp_avg_sq": [1.0, 1.0], "step": [-1, 3]},
            r"'step' entry 0 \(parameter 0\) is -1; its entries must be ints >= 0",
        ),
        (
            {"steps": 3, "exp_avg": [0.1, 0.0], "exp_avg_sq": [1.0, 1.0], "step": [1.0, 3]},
            r"'step' entry 0 \(parameter 0\) is 1.0",
        ),
        (
            {"steps": 3, "exp_avg": [0.1], "exp_avg_sq": [1.0], "step": [3]},
            r"'exp_avg' must be None or a list of 2 numbers",
        ),
        (
            {"steps": 0, "exp_avg": [0.1, 0.0], "exp_avg_sq": [1.0, 1.0]},  # version 0.1
            r"parameter 0 has moments exp_avg=0.1, exp_avg_sq=1.0 but 'step' entry 0 is 0",
        ),
    ],
    ids=lambda x: repr(x)[:60] if isinstance(x, dict) else "",
)
def test_a_bad_adam_state_is_refused_by_name_and_changes_nothing(
    state: dict[str, Any], message: str
) -> None:
    _, error = adam_before_and_after(state)
    assert str(error).startswith("Adam.load_state_dict: ")
    assert re.search(message, str(error)), str(error)


def test_the_refused_negative_square_no_longer_breaks_the_next_step() -> None:
    """Once loaded, it made the next step die with a bare 'math domain error'."""
    opt, _ = adam_before_and_after(
        {"steps": 3, "exp_avg": [0.1, 0.0], "exp_avg_sq": [-1.0, 0.0], "step": [3, 3]}
    )
    for p in opt.params:
        p.grad = 0.5
    opt.step()
    assert opt.steps == 2


def test_a_parameter_that_never_had_a_gradient_loads_with_step_0() -> None:
    ps = [Value(1.0), Value(2.0)]
    opt = optim.Adam(ps, lr=0.1)
    ps[0].grad, ps[1].grad = 0.5, None
    opt.step()
    state = opt.state_dict()
    assert state["step"] == [1, 0] and state["exp_avg"][1] == 0.0
    again = optim.Adam([Value(p.data) for p in ps], lr=0.1)
    again.load_state_dict(state)
    assert again.state_dict() == state
