"""Section (f): training steps of the layers beyond the MLP, eager against ``ag.compile``.

Three steps, each timed eagerly and compiled (the same user code, wrapped):

- a CNN on 8×8 images: ``Conv2d(1→4, 3×3) · MaxPool2d(2) · Flatten ·
  Layer(36→3)``, cross-entropy. Max-pooling is a user op (``ag.defop``),
  which the numpy tier runs through its record element by element;
- the same CNN without pooling (``Conv2d(1→4, 3×3, stride 2)``), which
  folds into numpy matrix products;
- an RNN predicting the next value of sine waves: ``RNN(1→8)`` unrolled over
  the sequence, ``Layer(8→1)`` on every hidden state, squared error.

Labels go in as one-hot floats (class probabilities for
``losses.cross_entropy``), so each step traces once (see
tests/test_layers_compile.py).
A step is: clear the gradients, forward over the batch, loss, backward, SGD.
Before anything is timed, one step of each compiled variant is checked
against the eager step (loss and every gradient, relative tolerance 1e-9).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.common import Peers, Row, check_agrees, measure

SECTION = "(f) layers"


def cross_entropy(ag: Any, rows: Any, onehots: Any) -> Any:
    """Mean cross-entropy against one-hot float labels (class probabilities)."""
    return ag.losses.cross_entropy(list(rows), [list(y) for y in onehots])


@dataclass(frozen=True)
class Problem:
    """One benchmark step: what it is, how to build the model, the loss and the data."""

    measure: str
    note: str
    build: Callable[[Any], tuple[list[Any], Callable[..., Any]]]  # ag -> (params, loss fn)
    args: tuple[Any, ...]


def images(batch: int) -> tuple[Any, Any]:
    """``batch`` 1×8×8 images in [0, 1] (two blurred stroke patterns) and one-hot labels."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, size=batch)
    pictures = rng.uniform(0.0, 0.3, size=(batch, 1, 8, 8))
    for k, label in enumerate(labels):
        if label == 0:
            pictures[k, 0, :, 3:5] += 0.7  # a vertical bar
        elif label == 1:
            pictures[k, 0, 3:5, :] += 0.7  # a horizontal bar
        else:
            pictures[k, 0, np.arange(8), np.arange(8)] += 0.7  # a diagonal
    return pictures, np.eye(3)[labels]


def sines(batch: int, steps: int) -> tuple[Any, Any]:
    """``batch`` sine waves of ``steps`` inputs; the target is the next value."""
    phase = np.random.default_rng(1).uniform(0.0, 2 * np.pi, size=(batch, 1))
    wave = np.sin(phase + 0.4 * np.arange(steps + 1))
    return wave[:, :-1, None], wave[:, 1:]


def problems(batch: int, sequences: int, steps: int) -> list[Problem]:
    """The three steps at the given sizes."""

    def cnn(pool: bool) -> Callable[[Any], tuple[list[Any], Callable[..., Any]]]:
        def build(ag: Any) -> tuple[list[Any], Callable[..., Any]]:
            nn = ag.nn
            if pool:
                model = nn.Sequential(
                    nn.Conv2d(1, 4, 3, seed=1),
                    nn.MaxPool2d(2),
                    nn.Flatten(),
                    nn.Layer(36, 3, activation="linear", seed=1),
                )
            else:
                model = nn.Sequential(
                    nn.Conv2d(1, 4, 3, stride=2, seed=1),
                    nn.Flatten(),
                    nn.Layer(36, 3, activation="linear", seed=1),
                )

            def loss(X: Any, Y: Any) -> Any:
                return cross_entropy(ag, [model(x) for x in X], Y)

            return model.parameters(), loss

        return build

    def rnn(ag: Any) -> tuple[list[Any], Callable[..., Any]]:
        cell = ag.nn.RNN(1, 8, seed=0)
        head = ag.nn.Layer(8, 1, activation="linear", seed=0)

        def loss(X: Any, Y: Any) -> Any:
            errors = [(head(h) - y) ** 2 for xs, ys in zip(X, Y) for h, y in zip(cell(xs), ys)]
            return ag.sum(errors) / len(errors)

        return cell.parameters() + head.parameters(), loss

    return [
        Problem(
            f"CNN step ({batch} 8×8 images)",
            "Conv2d(1→4, 3×3) · MaxPool2d(2) · Flatten · Layer(36→3), cross-entropy, SGD",
            cnn(pool=True),
            images(batch),
        ),
        Problem(
            f"CNN step without pooling ({batch} 8×8 images)",
            "Conv2d(1→4, 3×3, stride 2) · Flatten · Layer(36→3), cross-entropy, SGD",
            cnn(pool=False),
            images(batch),
        ),
        Problem(
            f"RNN step ({sequences} sequences × {steps} steps)",
            "RNN(1→8, tanh) unrolled · Layer(8→1) per step, squared error, SGD",
            rnn,
            sines(sequences, steps),
        ),
    ]


class Step:
    """One problem's training step, eager or compiled."""

    def __init__(self, problem: Problem, ag: Any, compiled: bool) -> None:
        self.params, loss = problem.build(ag)
        self.loss: Any = ag.compile(loss) if compiled else loss
        self.compiled = compiled
        self.args = problem.args
        self.opt = ag.optim.SGD(self.params, lr=0.01)

    def step(self) -> float:
        """Clear, forward, backward, update; returns the loss."""
        self.opt.zero_grad()
        out = self.loss(*self.args)
        out.backward()
        self.opt.step()
        if self.compiled and self.loss.mode == "eager":
            raise RuntimeError(f"the compiled step ran eagerly: {self.loss.fallback_reason}")
        return float(out.data)

    def gradients(self) -> tuple[float, list[float]]:
        """The loss and every gradient of one forward and backward (no update)."""
        self.opt.zero_grad()
        out = self.loss(*self.args)
        out.backward()
        return float(out.data), [float(p.grad) for p in self.params]


def run(peers: Peers, batch: int, sequences: int, steps: int, repeats: int) -> list[Row]:
    """Check each compiled step against eager, then time both; rows with the ratios.

    Raises :class:`benchmarks.common.Disagreement` when a compiled step disagrees.
    """
    ag = peers.autograd_lite
    if ag is None:
        return [Row(SECTION, "time per step", "autograd_lite", None, note=peers.autograd_lite_why)]
    chosen = problems(batch, sequences, steps)
    for problem in chosen:
        eager_loss, eager_grads = Step(problem, ag, compiled=False).gradients()
        replay = Step(problem, ag, compiled=True)
        replay.gradients()  # the first call traces; check a replay
        loss, grads = replay.gradients()
        name = f"compiled {problem.measure}"
        check_agrees("loss", name, [loss], [eager_loss], "eager autograd_lite")
        check_agrees("gradients", name, grads, eager_grads, "eager autograd_lite")
    rows = []
    for problem in chosen:
        times: dict[bool, float] = {}
        for compiled in (False, True):
            step = Step(problem, ag, compiled)
            step.step()  # warm-up; for the compiled step, the trace
            times[compiled] = measure(step.step, repeats)
        tier = step.loss.mode  # tiny batches stay on the Python tier: too little to fold
        speedup = times[False] / times[True]
        rows.append(
            Row(SECTION, problem.measure, "autograd_lite eager", times[False], note=problem.note)
        )
        rows.append(
            Row(
                SECTION,
                problem.measure,
                f"autograd_lite compiled ({tier} tier)",
                times[True],
                note=f"{speedup:.3g}x faster than eager; gradients equal eager's to 1e-9",
            )
        )
    return rows
