"""End to end: nn + losses + optim + data learn the classic toy problems."""

from __future__ import annotations

from typing import Any

import autograd_lite as ag
from autograd_lite import data, losses, nn, optim


def accuracy(model: nn.Module, X: list[list[float]], y: list[int]) -> float:
    with ag.no_grad():
        hits = sum((model(x).data > 0) == (label > 0) for x, label in zip(X, y))  # type: ignore[operator, union-attr]
    return hits / len(y)


def fit(model: nn.Module, X: Any, y: Any, opt: optim.Optimizer, steps: int, loss_fn: Any) -> None:
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn([model(x) for x in X], y)
        loss.backward()
        opt.step()


def test_moons_reach_95_percent_training_accuracy() -> None:
    X, y = data.make_moons(100, noise=0.1, seed=0, labels=(-1, 1))
    X, y = X.tolist(), y.tolist()
    model = nn.MLP(2, [8, 8, 1], seed=0)
    fit(model, X, y, optim.Adam(model.parameters(), lr=0.05), 60, losses.hinge)
    assert accuracy(model, X, y) >= 0.95


def test_xor_is_solved_by_a_2_4_1_tanh_network() -> None:
    X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    y = [0.0, 1.0, 1.0, 0.0]
    model = nn.MLP(2, [4, 1], activation="tanh", seed=0)  # tanh hidden layer, linear output
    fit(model, X, y, optim.SGD(model.parameters(), lr=0.1, momentum=0.9), 300, losses.mse)
    with ag.no_grad():
        outputs = [model(x).data for x in X]  # type: ignore[union-attr]
    assert [round(o) for o in outputs] == [0, 1, 1, 0]
    assert max(abs(o - t) for o, t in zip(outputs, y)) < 0.2


def test_noisy_xor_clusters_with_logits_and_bce() -> None:
    X, y = data.make_xor(60, noise=0.2, seed=1)
    X, y = X.tolist(), y.tolist()
    model = nn.MLP(2, [4, 1], activation="tanh", seed=0)
    fit(
        model,
        X,
        y,
        optim.Adam(model.parameters(), lr=0.1),
        100,
        losses.binary_cross_entropy_with_logits,
    )
    assert accuracy(model, X, [2 * v - 1 for v in y]) >= 0.95
