"""optim: torch.optim's formulas step by step, all-or-nothing steps, clear errors."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from autograd_lite import Value, nn, optim

N = 7
STEPS = 25


def gradients(step: int) -> list[float]:
    """A fixed, varied gradient sequence shared by both libraries."""
    rng = random.Random(step)
    return [rng.uniform(-3.0, 3.0) * 10 ** rng.randint(-3, 1) for _ in range(N)]


def start() -> list[float]:
    rng = random.Random(1234)
    return [rng.uniform(-2.0, 2.0) for _ in range(N)]


def against_torch(make_ours: Any, make_theirs: Any) -> None:
    """Run both optimizers on identical parameters and gradients; compare after every step."""
    torch = pytest.importorskip("torch")
    ours = [Value(v) for v in start()]
    theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in start()]
    opt, ref = make_ours(ours), make_theirs(theirs)
    for step in range(STEPS):
        for p, q, g in zip(ours, theirs, gradients(step)):
            p.grad = g
            q.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        ref.step()
        for p, q in zip(ours, theirs):
            assert p.data == pytest.approx(q.item(), rel=1e-12, abs=1e-12), f"step {step}"


def test_plain_sgd_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    against_torch(lambda ps: optim.SGD(ps, lr=0.05), lambda ts: torch.optim.SGD(ts, lr=0.05))


def test_sgd_with_momentum_and_weight_decay_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    against_torch(
        lambda ps: optim.SGD(ps, lr=0.03, momentum=0.9, weight_decay=0.01),
        lambda ts: torch.optim.SGD(ts, lr=0.03, momentum=0.9, weight_decay=0.01),
    )


def test_sgd_with_nesterov_and_dampening_options_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    against_torch(
        lambda ps: optim.SGD(ps, lr=0.03, momentum=0.8, weight_decay=0.1, nesterov=True),
        lambda ts: torch.optim.SGD(ts, lr=0.03, momentum=0.8, weight_decay=0.1, nesterov=True),
    )
    against_torch(
        lambda ps: optim.SGD(ps, lr=0.03, momentum=0.8, dampening=0.3),
        lambda ts: torch.optim.SGD(ts, lr=0.03, momentum=0.8, dampening=0.3),
    )


def test_adam_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    against_torch(lambda ps: optim.Adam(ps, lr=0.01), lambda ts: torch.optim.Adam(ts, lr=0.01))


def test_adam_with_weight_decay_and_small_beta1_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    # beta1 = 0.3 makes torch's lerp take its other branch (weight >= 0.5).
    against_torch(
        lambda ps: optim.Adam(ps, lr=0.02, betas=(0.3, 0.99), eps=1e-6, weight_decay=0.05),
        lambda ts: torch.optim.Adam(ts, lr=0.02, betas=(0.3, 0.99), eps=1e-6, weight_decay=0.05),
    )


def test_plain_sgd_is_exactly_w_minus_lr_times_grad() -> None:
    w = Value(0.7)
    w.grad = 0.3
    optim.SGD([w], lr=0.1).step()
    assert w.data == 0.7 - 0.1 * 0.3


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: optim.SGD(ps, lr=0.1),
        lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
        lambda ps: optim.Adam(ps, lr=0.1),
    ],
    ids=["sgd", "momentum", "adam"],
)
def test_a_step_with_no_gradients_changes_nothing(make: Any) -> None:
    model = nn.MLP(2, [4, 1], seed=0)
    before = [p.data for p in model.parameters()]
    opt = make(model.parameters())
    for _ in range(3):
        opt.zero_grad()
        opt.step()
    assert [p.data for p in model.parameters()] == before


def test_zero_grad_clears_gradients() -> None:
    ps = [Value(1.0), Value(2.0)]
    for p in ps:
        p.grad = 5.0
    optim.Adam(ps).zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0]


def test_an_optimizer_with_no_parameters_raises() -> None:
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam(iter([]))


def test_non_value_parameters_raise() -> None:
    with pytest.raises(TypeError, match="parameter 1 is float"):
        optim.SGD([Value(1.0), 2.0], lr=0.1)  # type: ignore[list-item]
    with pytest.raises(TypeError, match="iterable of Values"):
        optim.Adam(nn.MLP(2, [1]))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="single Value"):
        optim.SGD(Value(1.0), lr=0.1)  # type: ignore[arg-type]


def test_non_leaf_and_duplicate_parameters_raise() -> None:
    a = Value(1.0)
    with pytest.raises(ValueError, match="leaf"):
        optim.SGD([a * 2], lr=0.1)
    with pytest.raises(ValueError, match="twice"):
        optim.SGD([a, a], lr=0.1)


@pytest.mark.parametrize(
    "kwargs",
    [{"lr": -0.1}, {"lr": math.nan}, {"lr": 0.1, "momentum": -1}, {"lr": 0.1, "weight_decay": -1}],
)
def test_bad_hyperparameters_raise(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        optim.SGD([Value(1.0)], **kwargs)


def test_bad_adam_betas_raise() -> None:
    with pytest.raises(ValueError, match="beta2"):
        optim.Adam([Value(1.0)], betas=(0.9, 1.0))


def test_a_non_finite_gradient_raises_and_updates_nothing() -> None:
    ps = [Value(1.0), Value(2.0), Value(3.0)]
    opt = optim.Adam(ps, lr=0.1)
    ps[0].grad, ps[1].grad, ps[2].grad = 1.0, 1.0, math.nan
    with pytest.raises(ValueError, match="parameter 2 has gradient nan; nothing was updated"):
        opt.step()
    assert [p.data for p in ps] == [1.0, 2.0, 3.0]
    assert opt.steps == 0 and opt.state["exp_avg"] is None


def test_an_overflowing_step_raises_and_updates_nothing() -> None:
    ps = [Value(1.0, label="a"), Value(1e308, label="b")]
    ps[0].grad, ps[1].grad = 1.0, -1e308
    with pytest.raises(ValueError, match="parameter 1 \\('b'\\) would become inf"):
        optim.SGD(ps, lr=10.0).step()
    assert [p.data for p in ps] == [1.0, 1e308]


def test_value_gradients_from_create_graph_are_used_by_their_data() -> None:
    w = Value(3.0)
    (w * w).backward(create_graph=True)
    assert isinstance(w.grad, Value)
    optim.SGD([w], lr=0.1).step()
    assert w.data == pytest.approx(3.0 - 0.1 * 6.0)


def test_learning_rate_schedule_is_called_with_the_step_number() -> None:
    seen: list[int] = []

    def schedule(step: int) -> float:
        seen.append(step)
        return 0.1 / (1 + step)

    w = Value(0.0)
    opt = optim.SGD([w], lr=schedule)
    for _ in range(3):
        w.grad = 1.0
        opt.step()
    assert seen == [0, 1, 2]
    assert w.data == pytest.approx(-(0.1 + 0.05 + 0.1 / 3))


def test_a_bad_schedule_value_raises_before_updating() -> None:
    w = Value(1.0)
    w.grad = 1.0
    with pytest.raises(ValueError, match="learning rate at step 0"):
        optim.SGD([w], lr=lambda step: -1.0).step()
    assert w.data == 1.0


def test_optimizer_state_dict_round_trip_continues_identically() -> None:
    def run(steps: range, ps: list[Value], opt: optim.Optimizer) -> None:
        for step in steps:
            for p, g in zip(ps, gradients(step)):
                p.grad = g
            opt.step()

    straight = [Value(v) for v in start()]
    run(range(10), straight, optim.Adam(straight, lr=0.01))

    first = [Value(v) for v in start()]
    first_opt = optim.Adam(first, lr=0.01)
    run(range(5), first, first_opt)
    resumed = [Value(p.data) for p in first]
    resumed_opt = optim.Adam(resumed, lr=0.01)
    resumed_opt.load_state_dict(first_opt.state_dict())
    run(range(5, 10), resumed, resumed_opt)
    assert [p.data for p in resumed] == [p.data for p in straight]


def test_optimizer_load_state_dict_is_strict() -> None:
    opt = optim.SGD([Value(1.0), Value(2.0)], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="keys"):
        opt.load_state_dict({"steps": 1})
    with pytest.raises(ValueError, match="list of 2 numbers"):
        opt.load_state_dict({"steps": 1, "momentum_buffer": [1.0]})
    assert opt.steps == 0 and opt.state["momentum_buffer"] is None


def test_adam_fits_a_line() -> None:
    w, b = Value(0.0), Value(0.0)
    opt = optim.Adam([w, b], lr=0.1)
    data = [(x, 3.0 * x - 1.0) for x in (-1.0, 0.0, 1.0, 2.0)]
    for _ in range(200):
        opt.zero_grad()
        errors = [(w * x + b) - y for x, y in data]
        loss = sum((e * e for e in errors), Value(0.0)) / len(data)
        loss.backward()
        opt.step()
    assert w.data == pytest.approx(3.0, abs=0.05) and b.data == pytest.approx(-1.0, abs=0.05)
