"""ag.compile traces and replays CNN and RNN training steps, with eager's gradients.

Class labels go in as one-hot *floats*, the class probabilities that
``losses.cross_entropy`` takes: they are arguments of the trace, while a class
index picks a score and so is part of the argument structure (every new label
combination would be traced again). The cross-entropy's log-sum-exp is a chain
of ``logaddexp`` nodes, with no comparison and so no guard. Every op has a
numpy kernel, and the numpy tier runs a user op (``MaxPool2d``'s ``maxpool``)
through its record element by element, so CNNs with and without pooling and
the RNN all fold into numpy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import Value, losses, nn, optim
from autograd_lite.compile import api

RTOL = 1e-12


def cross_entropy(rows: list[list[Value]], onehots: Any) -> Value:
    """Mean cross-entropy against one-hot float labels (class probabilities)."""
    return losses.cross_entropy(list(rows), [list(y) for y in onehots])


def digits(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n random 1×8×8 'images' and one-hot labels of 3 classes (the tests need no data set)."""
    rng = np.random.default_rng(seed)
    images = rng.uniform(0.0, 1.0, size=(n, 1, 8, 8))
    return images, np.eye(3)[rng.integers(0, 3, size=n)]


def cnn(pool: bool = True) -> nn.Sequential:
    if pool:
        return nn.Sequential(
            nn.Conv2d(1, 3, 3, seed=1),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Layer(27, 3, activation="linear", seed=1),
        )
    return nn.Sequential(
        nn.Conv2d(1, 3, 3, stride=2, padding=1, activation="tanh", seed=1),
        nn.Flatten(),
        nn.Layer(48, 3, activation="linear", seed=1),
    )


def assert_same_gradients(
    step: Callable[..., Value], params: list[Value], args: tuple[Any, ...], mode: str
) -> None:
    """One compiled call and one eager call from zero gradients: loss and gradients agree."""
    compiled = step if isinstance(step, ag.Compiled) else ag.compile(step)
    for p in params:
        p.grad = 0.0
    out = compiled(*args)
    out.backward()
    assert compiled.mode == mode, compiled.fallback_reason
    got = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    ref = compiled.eager(*args)
    ref.backward()
    want = [p.grad for p in params]
    assert abs(out.data - ref.data) <= RTOL * abs(ref.data)
    scale = max(abs(g) for g in want)
    bad = [
        (i, a, b)
        for i, (a, b) in enumerate(zip(got, want))
        if abs(a - b) > RTOL * max(abs(a), abs(b), 1e-3 * scale)
    ]
    assert not bad, bad[:5]


@pytest.fixture
def traces(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the traces recorded (one entry per trace)."""
    counted: list[int] = []
    record = api.record

    def counting(*args: Any, **kwargs: Any) -> Any:
        counted.append(1)
        return record(*args, **kwargs)

    monkeypatch.setattr(api, "record", counting)
    return counted


# --- the loss --------------------------------------------------------------------


def test_the_guard_free_cross_entropy_is_the_library_one() -> None:
    rng = np.random.default_rng(0)
    rows = [[Value(float(v)) for v in rng.normal(scale=5.0, size=4)] for _ in range(6)]
    labels = [int(t) for t in rng.integers(0, 4, size=6)]
    ours = cross_entropy(rows, np.eye(4)[labels])
    ours.backward()
    mine = [v.grad for row in rows for v in row]
    for row in rows:
        for v in row:
            v.grad = 0.0
    theirs = losses.cross_entropy(rows, labels)
    theirs.backward()
    assert abs(ours.data - theirs.data) <= 1e-14 * theirs.data
    assert all(abs(a - v.grad) <= 1e-14 for a, v in zip(mine, (v for r in rows for v in r)))


# --- CNN ---------------------------------------------------------------------------


def test_a_cnn_step_with_pooling_folds_into_numpy_with_eager_gradients(
    traces: list[int],
) -> None:
    model = cnn()
    step = ag.compile(lambda X, Y: cross_entropy([model(x) for x in X], Y))
    for seed in range(3):  # three different batches, one trace
        assert_same_gradients(step, model.parameters(), digits(6, seed), mode="numpy")
    assert len(traces) == 1


def test_a_cnn_without_pooling_folds_into_numpy(traces: list[int]) -> None:
    model = cnn(pool=False)
    step = ag.compile(lambda X, Y: cross_entropy([model(x) for x in X], Y))
    for seed in range(3):
        assert_same_gradients(step, model.parameters(), digits(8, seed), mode="numpy")
    assert len(traces) == 1


def test_compiled_cnn_training_follows_the_eager_trajectory() -> None:
    trained = []
    for compiled in (False, True):
        model = cnn()
        params = model.parameters()
        opt = optim.Adam(params, lr=0.05)

        def loss(X: Any, Y: Any, model: nn.Sequential = model) -> Value:
            return cross_entropy([model(x) for x in X], Y)

        step: Any = ag.compile(loss) if compiled else loss
        for seed in range(5):
            opt.zero_grad()
            step(*digits(4, seed)).backward()
            opt.step()
        if compiled:
            assert step.mode == "numpy", step.fallback_reason
        trained.append([p.data for p in params])
    eager, compiled_ = trained
    assert all(abs(a - b) <= RTOL * max(1.0, abs(a)) for a, b in zip(eager, compiled_))


def test_int_labels_with_the_library_loss_replay_while_the_labels_stay_the_same(
    traces: list[int],
) -> None:
    model = cnn()
    images, onehots = digits(4)
    labels = [int(t) for t in onehots.argmax(axis=1)]
    step = ag.compile(lambda X, t: losses.cross_entropy([model(x) for x in X], t))
    assert_same_gradients(step, model.parameters(), (images, labels), mode="numpy")
    other = [(t + 1) % 3 for t in labels]  # new ints: a new structure, traced again, still exact
    assert_same_gradients(step, model.parameters(), (images, other), mode="numpy")
    assert len(traces) == 2


# --- RNN ---------------------------------------------------------------------------


def sine_batch(batch: int, steps: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Sequences of sin(t + phase); the target at each step is the next value."""
    phase = np.random.default_rng(seed).uniform(0.0, 2 * np.pi, size=(batch, 1))
    wave = np.sin(phase + 0.4 * np.arange(steps + 1))
    return wave[:, :-1, None], wave[:, 1:]


def rnn_loss(rnn: nn.RNN, head: nn.Layer) -> Callable[[Any, Any], Value]:
    def loss(X: Any, Y: Any) -> Value:
        errors = [
            (head(h) - y) ** 2  # type: ignore[operator]
            for xs, ys in zip(X, Y)
            for h, y in zip(rnn(xs), ys)
        ]
        return ag.sum(errors) / len(errors)

    return loss


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_an_rnn_sequence_loss_folds_into_numpy_with_eager_gradients(
    activation: str, traces: list[int]
) -> None:
    rnn = nn.RNN(1, 6, activation=activation, seed=0)
    head = nn.Layer(6, 1, activation="linear", seed=0)
    step = ag.compile(rnn_loss(rnn, head))
    params = rnn.parameters() + head.parameters()
    for seed in range(3):
        assert_same_gradients(step, params, sine_batch(4, 10, seed), mode="numpy")
    assert len(traces) == 1


def test_a_single_short_sequence_replays_on_the_python_tier() -> None:
    rnn, head = nn.RNN(1, 3, seed=0), nn.Layer(3, 1, activation="linear", seed=0)
    params = rnn.parameters() + head.parameters()
    assert_same_gradients(rnn_loss(rnn, head), params, sine_batch(1, 3, 0), mode="python")


def test_an_rnn_classifier_on_the_last_state_with_an_initial_state_argument() -> None:
    rnn = nn.RNN(2, 5, seed=0)
    head = nn.Layer(5, 3, activation="linear", seed=0)
    rng = np.random.default_rng(1)

    def loss(X: Any, h0: Any, Y: Any) -> Value:
        scores = [head(rnn(xs, h0=h0)[-1]) for xs in X]
        return cross_entropy(scores, Y)  # type: ignore[arg-type]

    step = ag.compile(loss)
    params = rnn.parameters() + head.parameters()
    for _ in range(3):
        args = (
            rng.normal(size=(6, 7, 2)),
            rng.normal(size=5) * 0.1,
            np.eye(3)[rng.integers(0, 3, 6)],
        )
        assert_same_gradients(step, params, args, mode="numpy")


def test_compiled_rnn_training_follows_the_eager_trajectory() -> None:
    trained = []
    for compiled in (False, True):
        rnn, head = nn.RNN(1, 4, seed=3), nn.Layer(4, 1, activation="linear", seed=3)
        params = rnn.parameters() + head.parameters()
        opt = optim.SGD(params, lr=0.1, momentum=0.9)
        loss = rnn_loss(rnn, head)
        step = ag.compile(loss) if compiled else loss
        for seed in range(6):
            opt.zero_grad()
            step(*sine_batch(3, 8, seed)).backward()
            opt.step()
        trained.append([p.data for p in params])
    eager, compiled_ = trained
    assert all(abs(a - b) <= RTOL * max(1.0, abs(a)) for a, b in zip(eager, compiled_))
