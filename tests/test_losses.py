"""losses: textbook formulas, stable forms, clear errors, and agreement with PyTorch."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import Value, losses


def test_squared_error_is_half_the_square_and_its_slope_is_y_minus_t() -> None:
    y = Value(0.75)
    e = losses.squared_error(y, 0.01)
    e.backward()
    assert e.data == pytest.approx(0.5 * 0.74**2, rel=1e-15)
    assert y.grad == pytest.approx(0.74, rel=1e-15)


def test_lists_reduce_by_mean_sum_or_none() -> None:
    preds = [Value(1.0), Value(2.0), Value(4.0)]
    targets = [0.0, 0.0, 1.0]
    assert losses.mse(preds, targets).data == pytest.approx((1 + 4 + 9) / 3)
    assert losses.mse(preds, targets, reduction="sum").data == pytest.approx(14.0)
    assert [t.data for t in losses.mse(preds, targets, reduction="none")] == [1.0, 4.0, 9.0]
    with pytest.raises(ValueError, match="reduction"):
        losses.mse(preds, targets, reduction="max")  # type: ignore[arg-type]


def test_the_mean_is_one_sum_node() -> None:
    loss = losses.hinge([Value(0.1), Value(-0.2)], [1, -1])
    assert loss.op == "/" and loss.inputs[0].op == "sum"


def test_numpy_arrays_work_as_targets() -> None:
    preds = [Value(0.5), Value(-0.5)]
    assert losses.hinge(preds, np.array([1, -1])).data == pytest.approx(0.5)


def test_mismatched_lengths_and_shapes_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="2 predictions but 3 targets"):
        losses.mse([Value(1.0), Value(2.0)], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="a list of 2 prediction"):
        losses.mse([Value(1.0), Value(2.0)], 1.0)
    with pytest.raises(ValueError, match="empty"):
        losses.mse([], [])


def test_hinge_is_max_margin_with_plus_minus_one_labels() -> None:
    assert losses.hinge(Value(0.25), 1).data == 0.75
    assert losses.hinge(Value(0.25), -1).data == 1.25
    assert losses.hinge(Value(2.0), 1).data == 0.0
    with pytest.raises(ValueError, match="labels -1 or \\+1, got 0"):
        losses.hinge(Value(0.5), 0)


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan")])
def test_bce_rejects_probabilities_outside_0_1(p: float) -> None:
    with pytest.raises(ValueError, match=r"binary_cross_entropy needs a probability in \[0, 1\]"):
        losses.binary_cross_entropy(Value(p), 1)


def test_bce_rejects_targets_outside_0_1() -> None:
    with pytest.raises(ValueError, match="target in"):
        losses.binary_cross_entropy(Value(0.5), 2)
    with pytest.raises(ValueError, match="target in"):
        losses.binary_cross_entropy_with_logits(Value(0.5), -1)


def test_bce_at_certain_wrong_prediction_is_clamped_like_torch() -> None:
    assert losses.binary_cross_entropy(Value(0.0), 1).data == 100.0
    assert losses.binary_cross_entropy(Value(1.0), 0).data == 100.0
    assert losses.binary_cross_entropy(Value(1.0), 1).data == 0.0


@pytest.mark.parametrize("z", [-800.0, -30.0, 0.0, 30.0, 800.0])
def test_bce_with_logits_is_stable_and_its_slope_is_sigmoid_minus_target(z: float) -> None:
    for t in (0.0, 1.0, 0.3):
        x = Value(z)
        loss = losses.binary_cross_entropy_with_logits(x, t)
        loss.backward()
        assert math.isfinite(loss.data)
        sigma = 0.5 * (1 + math.tanh(z / 2))
        assert x.grad == pytest.approx(sigma - t, abs=1e-12)


def test_softmax_is_stable_and_sums_to_one() -> None:
    probs = losses.softmax([Value(1000.0), Value(999.0), Value(-1000.0)])
    assert sum(p.data for p in probs) == pytest.approx(1.0, rel=1e-15)
    assert probs[0].data == pytest.approx(1 / (1 + math.exp(-1)), rel=1e-12)


def test_cross_entropy_is_stable_for_huge_logits() -> None:
    loss = losses.cross_entropy([Value(1e4), Value(0.0)], 1)
    assert loss.data == pytest.approx(1e4)


def test_cross_entropy_checks_the_class_index() -> None:
    with pytest.raises(ValueError, match="index 3 is out of range for 3 classes"):
        losses.cross_entropy([1.0, 2.0, 3.0], 3)
    with pytest.raises(TypeError, match="integer class index"):
        losses.cross_entropy([1.0, 2.0], 0.5)
    with pytest.raises(TypeError, match="integer class index"):
        losses.cross_entropy([1.0, 2.0], True)


def test_log_softmax_matches_log_of_softmax() -> None:
    z = [0.3, -1.2, 2.5]
    for a, b in zip(losses.log_softmax(z), losses.softmax(z)):
        assert a.data == pytest.approx(math.log(b.data), rel=1e-12)


def test_non_numeric_predictions_are_type_errors() -> None:
    with pytest.raises(TypeError, match="mse needs numbers or Values"):
        losses.mse("a", 1.0)


# --- PyTorch as the oracle -----------------------------------------------------

LOGITS = [[0.3, -1.2, 2.5, 0.0], [10.0, 9.5, -3.0, 1.0], [-0.1, 0.2, 0.05, -2.0]]
TARGETS = [2, 0, 3]
PROBS = [0.1, 0.5, 0.93, 0.999, 0.02]
LABELS = [0.0, 1.0, 1.0, 0.0, 0.7]
SCORES = [-3.0, -0.4, 0.0, 0.4, 12.0]


def agrees(ours: Value, leaves: list[Value], theirs, tensor) -> None:  # type: ignore[no-untyped-def]
    ours.backward()
    theirs.backward()
    assert ours.data == pytest.approx(theirs.item(), rel=1e-12, abs=1e-14)
    for v, g in zip(leaves, tensor.grad.flatten().tolist()):
        assert v.grad == pytest.approx(g, rel=1e-10, abs=1e-14)


def test_cross_entropy_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    rows = [[Value(z) for z in row] for row in LOGITS]
    t = torch.tensor(LOGITS, dtype=torch.float64, requires_grad=True)
    theirs = torch.nn.functional.cross_entropy(t, torch.tensor(TARGETS))
    agrees(losses.cross_entropy(rows, TARGETS), [v for r in rows for v in r], theirs, t)


def test_single_cross_entropy_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    row = [Value(z) for z in LOGITS[1]]
    t = torch.tensor(LOGITS[1], dtype=torch.float64, requires_grad=True)
    theirs = torch.nn.functional.cross_entropy(t.unsqueeze(0), torch.tensor([1]))
    agrees(losses.cross_entropy(row, 1), row, theirs, t)


def test_binary_cross_entropy_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    ps = [Value(p) for p in PROBS]
    t = torch.tensor(PROBS, dtype=torch.float64, requires_grad=True)
    theirs = torch.nn.functional.binary_cross_entropy(t, torch.tensor(LABELS, dtype=torch.float64))
    agrees(losses.binary_cross_entropy(ps, LABELS), ps, theirs, t)


def test_binary_cross_entropy_with_logits_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    zs = [Value(z) for z in SCORES]
    t = torch.tensor(SCORES, dtype=torch.float64, requires_grad=True)
    theirs = torch.nn.functional.binary_cross_entropy_with_logits(
        t, torch.tensor(LABELS, dtype=torch.float64)
    )
    agrees(losses.binary_cross_entropy_with_logits(zs, LABELS), zs, theirs, t)


def test_mse_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    ys = [Value(s) for s in SCORES]
    t = torch.tensor(SCORES, dtype=torch.float64, requires_grad=True)
    theirs = torch.nn.functional.mse_loss(t, torch.tensor(LABELS, dtype=torch.float64))
    agrees(losses.mse(ys, LABELS), ys, theirs, t)


def test_hinge_matches_torch_formula() -> None:
    torch = pytest.importorskip("torch")
    labels = [1.0, -1.0, 1.0, -1.0, 1.0]
    ys = [Value(s) for s in SCORES]
    t = torch.tensor(SCORES, dtype=torch.float64, requires_grad=True)
    theirs = torch.relu(1 - torch.tensor(labels, dtype=torch.float64) * t).mean()
    agrees(losses.hinge(ys, labels), ys, theirs, t)


def test_softmax_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    vs = [Value(z) for z in LOGITS[0]]
    t = torch.tensor(LOGITS[0], dtype=torch.float64, requires_grad=True)
    weights = [0.5, -1.0, 2.0, 0.25]  # a weighted sum makes every gradient non-trivial
    ours = sum((w * p for w, p in zip(weights, losses.softmax(vs))), Value(0.0))
    theirs = (torch.softmax(t, 0) * torch.tensor(weights, dtype=torch.float64)).sum()
    agrees(ours, vs, theirs, t)


def test_cross_entropy_with_class_probabilities_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    scores = [[2.0, 0.5, -1.0], [0.1, 0.2, 0.3]]
    targets = [[0.7, 0.2, 0.1], [0.0, 1.0, 0.0]]
    zs = [[Value(x) for x in row] for row in scores]
    loss = losses.cross_entropy(zs, targets)
    loss.backward()
    tz = torch.tensor(scores, dtype=torch.float64, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(tz, torch.tensor(targets, dtype=torch.float64))
    ref.backward()
    assert loss.data == pytest.approx(ref.item(), rel=1e-12)
    for row, trow in zip(zs, tz.grad.tolist()):
        for v, t in zip(row, trow):
            assert v.grad == pytest.approx(t, rel=1e-12, abs=1e-15)


def test_one_hot_probabilities_give_the_class_index_loss() -> None:
    z = [Value(2.0), Value(0.5), Value(-1.0)]
    assert losses.cross_entropy(z, [0.0, 1.0, 0.0]).data == pytest.approx(
        losses.cross_entropy(z, 1).data, rel=1e-15
    )


def test_bad_class_probabilities_are_named() -> None:
    z = [Value(2.0), Value(0.5)]
    with pytest.raises(ValueError, match="2 scores but 3 class probabilities"):
        losses.cross_entropy(z, [0.2, 0.3, 0.5])
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        losses.cross_entropy(z, [1.5, -0.5])


def test_logsumexp_is_stable_and_its_gradient_is_softmax() -> None:
    zs = [Value(1000.0), Value(999.0), Value(-1000.0)]
    lse = losses.logsumexp(zs)
    lse.backward()
    assert lse.data == pytest.approx(1000.0 + math.log1p(math.exp(-1.0)), rel=1e-15)
    probs = [p.data for p in losses.softmax([1000.0, 999.0, -1000.0])]
    assert [z.grad for z in zs] == pytest.approx(probs, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize(
    "loss, labels",
    [
        (losses.hinge, [-1.0, 1.0]),
        (losses.binary_cross_entropy_with_logits, [0.0, 1.0]),
    ],
)
def test_compiled_losses_replay_whatever_the_batchs_labels(loss: Any, labels: list[float]) -> None:
    """Value labels are taken as they are: no comparison a trace would keep as a guard."""
    model = ag.nn.MLP(2, [4, 1], seed=0)
    step = ag.compile(lambda X, y: loss([model(x) for x in X], y))
    for seed in range(4):
        rng = np.random.default_rng(seed)
        step(rng.normal(size=(16, 2)), rng.choice(labels, size=16))
        assert step.mode == "numpy", step.fallback_reason


EDGE_LOGITS = [-math.inf, -1e3, -30.0, -1.0, 0.0, 1.0, 30.0, 1e3, math.inf]


def same_number(ours: float, theirs: float) -> bool:
    """Equal to rounding, or the same inf / nan."""
    if math.isnan(theirs) or math.isinf(theirs):
        return math.isnan(ours) if math.isnan(theirs) else ours == theirs
    return ours == pytest.approx(theirs, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("z", EDGE_LOGITS)
@pytest.mark.parametrize("t", [0.0, 0.3, 1.0])
def test_bce_with_logits_matches_torch_up_to_infinite_scores(z: float, t: float) -> None:
    """z = +inf costs inf for t < 1 (not inf - 0·inf = nan); gradients too, as torch's."""
    torch = pytest.importorskip("torch")
    x = Value(z)
    loss = losses.binary_cross_entropy_with_logits(x, t)
    loss.backward()
    tz = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    ref = torch.nn.functional.binary_cross_entropy_with_logits(
        tz, torch.tensor(t, dtype=torch.float64)
    )
    ref.backward()
    assert same_number(loss.data, ref.item()), (loss.data, ref.item())
    assert same_number(x.grad, tz.grad.item()), (x.grad, tz.grad.item())


EDGE_PROBS = [0.0, 1e-300, 1e-50, 1e-10, 0.3, 1 - 1e-10, 1.0]


@pytest.mark.parametrize("p", EDGE_PROBS)
@pytest.mark.parametrize("t", [0.0, 0.3, 1.0])
def test_bce_value_and_both_gradients_match_torch_even_where_the_log_is_clamped(
    p: float, t: float
) -> None:
    """The clamp at -100 holds the value, not the slope: p = 1e-50, t = 1 has slope -1e12."""
    torch = pytest.importorskip("torch")
    prob, target = Value(p), Value(t)
    loss = losses.binary_cross_entropy(prob, target)
    loss.backward()
    tp = torch.tensor(p, dtype=torch.float64, requires_grad=True)
    tt = torch.tensor(t, dtype=torch.float64, requires_grad=True)
    ref = torch.nn.functional.binary_cross_entropy(tp, tt)
    ref.backward()
    assert same_number(loss.data, ref.item()), (loss.data, ref.item())
    assert same_number(prob.grad, tp.grad.item()), (prob.grad, tp.grad.item())
    assert same_number(target.grad, tt.grad.item()), (target.grad, tt.grad.item())


def test_bce_slope_where_the_clamp_holds_is_torchs_not_zero() -> None:
    p = Value(1e-50)
    losses.binary_cross_entropy(p, 1.0).backward()
    assert p.grad == pytest.approx(-1e12, rel=1e-8)


@pytest.mark.parametrize("p, t", [(0.0, 0.0), (1.0, 1.0)])
def test_a_perfect_bce_prediction_costs_plus_zero(p: float, t: float) -> None:
    loss = losses.binary_cross_entropy(Value(p), t).data
    assert loss == 0.0 and math.copysign(1.0, loss) == 1.0


def test_bce_is_one_node_per_example_and_differentiates_twice() -> None:
    p = Value(0.3)
    loss = losses.binary_cross_entropy(p, 0.6)
    assert loss.op == "binary_cross_entropy"
    # d²/dp² of -(t log p + (1 - t) log(1 - p)) = t / p² + (1 - t) / (1 - p)²
    second = ag.grad(ag.grad(lambda q: losses.binary_cross_entropy(q, 0.6)))(0.3)
    assert second == pytest.approx(0.6 / 0.09 + 0.4 / 0.49, rel=1e-12)
    for edge in (0.0, 1.0):  # at the clamp: finite, no domain error
        assert math.isfinite(ag.grad(ag.grad(lambda q: losses.binary_cross_entropy(q, 1.0)))(edge))


# --- the same argument checks for every loss ----------------------------------------

PAIRWISE = [
    losses.squared_error,
    losses.mse,
    losses.binary_cross_entropy,
    losses.binary_cross_entropy_with_logits,
    losses.hinge,
]


def loss_name(loss: Any) -> str:
    return loss.__name__


@pytest.mark.parametrize("loss", PAIRWISE, ids=loss_name)
def test_a_bad_reduction_is_refused_for_a_single_pair_too(loss: Any) -> None:
    with pytest.raises(ValueError, match=f"{loss.__name__} reduction must be .*got 'avg'"):
        loss(Value(0.5), 1.0, reduction="avg")
    with pytest.raises(TypeError, match=f"{loss.__name__} reduction must be .*got NoneType"):
        loss(Value(0.5), 1.0, reduction=None)


def test_a_bad_reduction_is_refused_for_one_cross_entropy_example_too() -> None:
    with pytest.raises(ValueError, match=r"cross_entropy reduction must be .*got 'avg'"):
        losses.cross_entropy([1.0, 2.0], 0, reduction="avg")  # type: ignore[arg-type]


@pytest.mark.parametrize("loss", PAIRWISE, ids=loss_name)
def test_a_missing_target_is_a_type_error_naming_the_loss(loss: Any) -> None:
    with pytest.raises(TypeError, match=f"{loss.__name__} needs numbers or Values as targets"):
        loss(Value(0.5), None)
    with pytest.raises(TypeError, match=f"{loss.__name__} needs numbers as targets"):
        loss([Value(0.5)], [None])


@pytest.mark.parametrize("loss", PAIRWISE, ids=loss_name)
def test_a_generator_is_refused_as_such(loss: Any) -> None:
    """It was reported as 'a single value prediction(s)'."""
    preds = (Value(v) for v in (0.5, 0.25))
    with pytest.raises(TypeError, match=r"as predictions .*got a generator; pass a list"):
        loss(preds, [1.0, 1.0])
    with pytest.raises(TypeError, match=r"as targets .*got a generator; pass a list"):
        loss([Value(0.5), Value(0.25)], (t for t in (1.0, 1.0)))


def test_a_generator_of_cross_entropy_targets_is_refused_as_such() -> None:
    with pytest.raises(TypeError, match=r"cross_entropy .* got a generator; pass a list"):
        losses.cross_entropy([[1.0, 2.0]], (t for t in [0]))


@pytest.mark.parametrize("loss", PAIRWISE, ids=loss_name)
@pytest.mark.parametrize("label", [True, False, np.bool_(True)], ids=repr)
def test_a_bool_label_is_refused_as_cross_entropy_does(loss: Any, label: Any) -> None:
    with pytest.raises(TypeError, match=f"{loss.__name__} needs numbers as targets, got the bool"):
        loss(Value(0.5), label)
    with pytest.raises(TypeError, match=f"{loss.__name__} needs numbers as targets, got the bool"):
        loss([Value(0.5)], np.array([bool(label)]))
