"""The ``demo`` command: train an MLP on the two moons and show what it learned.

The pieces are plain functions, so notebooks and tests can use them too:
:func:`train` is the training loop (nn + losses + optim, the loss wrapped in
``ag.compile``: traced on the first step, replayed on the others), :func:`train_moons`
adds the data, :func:`ascii_map` draws the decision boundary as text,
:func:`write_neuron_graph` saves the graph of one live neuron as SVG, and
:func:`run` is the whole demo as the command line prints it.

Example:
    >>> result = train_moons(steps=3, hidden=(4,), samples=20, seed=0)
    >>> len(result.losses), 0.0 <= result.accuracy <= 1.0
    (3, True)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from ..compile import compile as compile_loss
from ..core import Value, no_grad
from ..nn import data, losses, optim
from ..nn import modules as nn
from . import interrupt

#: What the progress callback receives: step (1-based), loss, training accuracy.
Progress = Callable[[int, float, float], None]


@dataclass
class TrainResult:
    """What :func:`train` produced.

    Attributes:
        model: the trained network; its single output is a score, > 0 meaning +1.
        X: the points, a list of [x, y] pairs.
        y: their labels, -1 or +1.
        losses: the loss each step started from (before its update).
        loss: the loss after the last step.
        accuracy: the training accuracy after the last step, from 0 to 1.
        seconds: the wall-clock time of the training loop.
        mode: the ``ag.compile`` tier the last step ran on ("numpy", "python" or "eager").
        fallback_reason: why it ran eagerly (None when it did not).
        first_step_seconds: the first step: tracing, generating the code, one replay.
        step_seconds: the mean time of the other steps (progress reports not included).

    Example:
        >>> TrainResult(nn.MLP(2, [1], seed=0), [[0.0, 1.0]], [1]).losses
        []
    """

    model: nn.MLP
    X: list[list[float]]
    y: list[int]
    losses: list[float] = field(default_factory=list)
    loss: float = 0.0
    accuracy: float = 0.0
    seconds: float = 0.0
    mode: str = "eager"
    fallback_reason: str | None = None
    first_step_seconds: float = 0.0
    step_seconds: float = 0.0


def _score(model: nn.Module, x: Sequence[float]) -> float:
    out = model(x)  # type: ignore[operator]
    return out.data if isinstance(out, Value) else out[0].data


def accuracy(model: nn.Module, X: Sequence[Sequence[float]], y: Sequence[int]) -> float:
    """The fraction of points whose score has the sign of their ±1 label.

    Example:
        >>> model = nn.MLP(1, [1], activation="linear", seed=0)
        >>> model.layers[0].neurons[0].w[0].data = 2.0
        >>> accuracy(model, [[1.0], [-1.0], [3.0]], [1, -1, -1])
        0.6666666666666666
    """
    with no_grad():
        hits = sum((_score(model, x) > 0.0) == (label > 0) for x, label in zip(X, y))
    return hits / len(y)


def train(
    model: nn.MLP,
    X: list[list[float]],
    y: list[int],
    steps: int,
    lr: float,
    progress: Progress | None = None,
    tier: str | None = None,
    report_every: int = 1,
) -> TrainResult:
    """Full-batch training with the mean hinge loss and Adam; labels are -1 or +1.

    Each step: zero the gradients, compute the loss, ``backward()``,
    ``step()``. The loss is computed by ``ag.compile`` of the plain model
    code: the first step traces it, later steps replay the trace (``tier``
    picks one; the result's ``mode`` says which ran). The labels go in as
    floats, so they are data of the trace. ``progress(k, loss, accuracy)``
    reports the model after k steps (the loss of step k + 1 measures it, and
    one last forward pass the final model), so its last call gives exactly
    the result's ``loss`` and ``accuracy``. It is called after every
    ``report_every`` steps and after the last (the accuracy takes an eager
    forward pass, which costs more than a compiled step).

    Example:
        >>> model = nn.MLP(2, [4, 1], seed=0)
        >>> r = train(model, [[0.0, 1.0], [1.0, 0.0]], [-1, 1], steps=30, lr=0.05)
        >>> r.accuracy, r.mode
        (1.0, 'python')
    """
    opt = optim.Adam(model.parameters(), lr=lr)
    result = TrainResult(model, X, y)
    targets = [float(t) for t in y]

    def hinge_loss(points: list[list[float]], labels: list[float]) -> Value:
        return losses.hinge([model(x) for x in points], labels)  # type: ignore[return-value]

    step_loss = compile_loss(hinge_loss, tier=tier)
    timed = 0.0
    start = time.perf_counter()
    for step in range(1, steps + 1):
        interrupt.check()
        began = time.perf_counter()
        opt.zero_grad()
        loss = step_loss(X, targets)
        if progress is not None and step > 1 and (step - 1) % report_every == 0:
            # The model after step - 1 updates.
            paused = time.perf_counter()
            progress(step - 1, loss.data, accuracy(model, X, y))
            began += time.perf_counter() - paused
        loss.backward()
        opt.step()
        result.losses.append(loss.data)
        took = time.perf_counter() - began
        if step == 1:
            result.first_step_seconds = took
        else:
            timed += took
    result.mode, result.fallback_reason = step_loss.mode or "eager", step_loss.fallback_reason
    result.step_seconds = timed / (steps - 1) if steps > 1 else result.first_step_seconds
    with no_grad():
        result.loss = hinge_loss(X, targets).data
    result.seconds = time.perf_counter() - start
    result.accuracy = accuracy(model, X, y)
    if progress is not None:
        progress(steps, result.loss, result.accuracy)
    return result


def moons_problem(
    hidden: Sequence[int] = (16, 16), seed: int = 0, samples: int = 100, noise: float = 0.1
) -> tuple[nn.MLP, list[list[float]], list[int]]:
    """The demo's model ``MLP(2, [*hidden, 1])`` (relu, linear output) and moons with ±1 labels.

    Example:
        >>> model, X, y = moons_problem(hidden=(4,), samples=10)
        >>> model, len(X), sorted(set(y))
        (MLP(2 -> 4 relu -> 1 linear, 17 parameters), 10, [-1, 1])
    """
    X, y = data.make_moons(samples, noise=noise, seed=seed, labels=(-1, 1))
    model = nn.MLP(2, [*hidden, 1], activation="relu", seed=seed)
    return model, X.tolist(), y.tolist()


def train_moons(
    steps: int = 80,
    hidden: Sequence[int] = (16, 16),
    lr: float = 0.05,
    seed: int = 0,
    samples: int = 100,
    noise: float = 0.1,
    progress: Progress | None = None,
) -> TrainResult:
    """:func:`moons_problem`, then :func:`train`: the demo without the printing.

    Example:
        >>> r = train_moons(steps=40, hidden=(8,), samples=40, seed=0)
        >>> r.losses[-1] < r.losses[0]
        True
    """
    model, X, y = moons_problem(hidden, seed, samples, noise)
    return train(model, X, y, steps, lr, progress)


def ascii_map(
    model: nn.Module,
    X: Sequence[Sequence[float]],
    y: Sequence[int],
    width: int = 64,
    height: int = 22,
) -> str:
    """The plane as text: where the model says +1 ('.') or -1 (' '), with the points on top.

    Points are 'o' (label -1) and 'x' (label +1); a capital 'O' or 'X' is a
    point the model gets wrong.

    Example:
        >>> model = nn.MLP(2, [1], seed=0)
        >>> picture = ascii_map(model, [[0.0, 0.0], [1.0, 1.0]], [-1, 1], width=8, height=4)
        >>> len(picture.splitlines()), len(picture.splitlines()[0])
        (6, 10)
    """
    xs, ys = [p[0] for p in X], [p[1] for p in X]
    pad_x, pad_y = 0.1 * (max(xs) - min(xs) or 1.0), 0.1 * (max(ys) - min(ys) or 1.0)
    left, right = min(xs) - pad_x, max(xs) + pad_x
    bottom, top = min(ys) - pad_y, max(ys) + pad_y
    cell_w, cell_h = (right - left) / width, (top - bottom) / height

    with no_grad():
        grid = [
            [
                "."
                if _score(model, [left + (c + 0.5) * cell_w, top - (r + 0.5) * cell_h]) > 0
                else " "
                for c in range(width)
            ]
            for r in range(height)
        ]
        for point, label in zip(X, y):
            mark = "x" if label > 0 else "o"
            if (_score(model, point) > 0.0) != (label > 0):
                mark = mark.upper()
            r = min(height - 1, int((top - point[1]) / cell_h))  # row 0 is the top
            c = min(width - 1, int((point[0] - left) / cell_w))
            grid[r][c] = mark
    border = "+" + "-" * width + "+"
    return "\n".join([border, *("|" + "".join(line) + "|" for line in grid), border])


@contextlib.contextmanager
def _own_pass(module: nn.Module) -> Iterator[None]:
    """Inside: ``module``'s gradients start at 0 and its labels may change. After: both restored.

    So the demo can run a backward pass and draw it without touching the
    gradients or names training left on the model.
    """
    params = module.parameters()
    saved = [(p.grad, p.label) for p in params]
    for p in params:
        p.grad = 0.0
    try:
        yield
    finally:
        for p, (grad, label) in zip(params, saved):
            p.grad, p.label = grad, label


def _neuron_output(neuron: nn.Module, point: Sequence[float]) -> tuple[Value, list[Value]]:
    # x1, x2, …: the names draw_model gives the inputs.
    inputs = [Value(v, label=f"x{k + 1}") for k, v in enumerate(point)]
    out = neuron(inputs)  # type: ignore[operator]
    out.backward()
    return out, inputs


def live_neuron(model: nn.MLP, X: Sequence[Sequence[float]]) -> tuple[int, int] | None:
    """The first first-layer neuron, and a point, on which all the neuron's gradients are non-zero.

    Returns (neuron index, point index), or None when every neuron is dead
    on every point (a relu with a negative weighted sum passes no gradient
    back). The model's gradients are left as they were.

    Example:
        >>> model = nn.MLP(2, [3, 1], seed=0)
        >>> live_neuron(model, [[0.5, 1.0], [-1.0, 0.2]])
        (1, 0)
    """
    for n, neuron in enumerate(model.layers[0].neurons):  # type: ignore[attr-defined]
        for i, point in enumerate(X):
            with _own_pass(neuron):
                _neuron_output(neuron, point)
                if all(p.grad != 0 for p in neuron.parameters()):
                    return n, i
    return None


def write_neuron_graph(
    model: nn.MLP, X: Sequence[Sequence[float]], path: str | os.PathLike[str]
) -> str:
    """Save the graph of a first-layer neuron on one of the points ``X`` as SVG; return a report.

    The graph is z = w·x + b (one dot node), then the activation, with the
    gradients ``backward()`` gives every node. The neuron and point are the
    first whose gradients are all non-zero (a dead relu shows only zeros).
    The model's gradients and labels are left as they were. Without
    Graphviz's ``dot`` program nothing is written and the line says how to
    install it.

    Example:
        >>> line = write_neuron_graph(nn.MLP(2, [2, 1], seed=0), [[0.5, 1.0]], "/nonexistent/g.svg")
        >>> line.startswith(("could not write", "no SVG"))
        True
    """
    if shutil.which("dot") is None:
        return (
            "no SVG written: Graphviz's `dot` program is missing "
            "(install it with `sudo apt-get install graphviz`, or `brew install graphviz`)"
        )
    from ..inspect.draw import draw_graph

    found = live_neuron(model, X)
    if found is None:
        return "no SVG written: every first-layer neuron passes back only zero gradients"
    n, i = found
    neuron = model.layers[0].neurons[n]  # type: ignore[attr-defined]
    with _own_pass(neuron):
        out, inputs = _neuron_output(neuron, X[i])
        if out.op != "dot":
            out.inputs[0].label = "z"  # the weighted sum, before the activation
        out.label = "a"
        for k, w in enumerate(neuron.w, 1):
            w.label = f"w{k}"  # w1 weighs x1, as in the textbook neuron
        neuron.b.label = "b"
        drawing = draw_graph(out, params=neuron.parameters())
    try:
        svg = drawing.pipe(format="svg")
        with open(path, "wb") as f:
            f.write(svg)
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        return f"could not write {os.fspath(path)}: {exc}"
    point = ", ".join(f"{x.label} = {x.data:.3g}" for x in inputs)
    return (
        f"wrote {os.fspath(path)}: the computation graph of neuron {n + 1} of layer 1 on "
        f"point {i + 1} ({point}), a = {neuron.activation}(w·x + b), with its gradients"
    )


def _ms(seconds: float) -> str:
    ms = 1000.0 * seconds
    return f"{ms:.2g} ms" if ms < 10 else f"{ms:.0f} ms"


def run(
    steps: int = 80,
    hidden: Sequence[int] = (16, 16),
    lr: float = 0.05,
    seed: int = 0,
    samples: int = 100,
    out: str | os.PathLike[str] = "autograd_lite_demo.svg",
    stream: TextIO | None = None,
) -> TrainResult:
    """The demo as ``python -m autograd_lite demo`` prints it.

    A live progress line (rewritten in place on a terminal, one line every
    tenth of the run otherwise), the result, the ASCII decision map, and the
    SVG of one neuron's graph.

    Example:
        >>> import io, os, tempfile
        >>> svg = os.path.join(tempfile.mkdtemp(), "g.svg")
        >>> text = io.StringIO()
        >>> r = run(steps=5, hidden=(4,), samples=20, out=svg, stream=text)
        >>> "training accuracy" in text.getvalue()
        True
    """
    stream = sys.stdout if stream is None else stream
    model, X, y = moons_problem(hidden, seed, samples)
    print(f"Training {model!r}", file=stream)
    print(
        f"on {samples} two-moons points: mean hinge loss, Adam (lr {lr:g}), "
        f"{steps} full-batch steps;",
        file=stream,
    )
    print(
        "the loss is ag.compile'd: traced on the first step, replayed on the others",
        file=stream,
    )
    live = stream.isatty()
    every = max(1, steps // 10)
    digits = len(str(steps))

    def progress(step: int, loss: float, acc: float) -> None:
        line = f"step {step:>{digits}}/{steps}  loss {loss:.4f}  accuracy {acc:6.1%}"
        if live:
            stream.write("\r" + line)
            stream.flush()
        else:
            print(line, file=stream, flush=True)

    result = train(model, X, y, steps, lr, progress, report_every=1 if live else every)
    if live:
        stream.write("\n")
    print(
        f"trained in {result.seconds:.1f} s on the {result.mode} tier "
        f"(first step {_ms(result.first_step_seconds)} with the trace, "
        f"then {_ms(result.step_seconds)} per step): "
        f"loss {result.loss:.4f}, training accuracy {result.accuracy:.1%}",
        file=stream,
    )
    if result.fallback_reason is not None:
        print(f"(ran eagerly: {result.fallback_reason})", file=stream)
    print(file=stream)
    print(ascii_map(model, X, y), file=stream)
    print(
        "o / x: points labelled -1 / +1 (capital: misclassified)   '.': the model says +1",
        file=stream,
    )
    print(write_neuron_graph(model, X, out), file=stream)
    return result
