"""Section (a): one training step of ``MLP(2, [16, 16, 1])`` on the moons data.

The step is the classic micrograd demo: relu hidden layers, a linear output,
the hinge loss ``mean(max(0, 1 - y_i * score_i))`` with ``y`` in {-1, 1}, plus
``alpha * sum(p * p)`` over all parameters, then plain SGD. Every variant starts
from the same weights, and one step of each is checked against the reference
(loss, every gradient, every updated parameter) before anything is timed.

A step is: clear the gradients, forward over all points, loss, backward, update.
With the cyclic gc on, steps are timed back to back as in a training loop, so
a step pays for collecting the garbage the previous one left (see
:func:`benchmarks.common.measure`).
"""

from __future__ import annotations

import functools
import itertools
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from benchmarks.common import Peers, Row, check_agrees, measure, ratio

SECTION = "(a) MLP step"
MEASURE = "time per step"

#: Neuron weights: ``weights[layer][neuron]`` is ``[w_0, ..., w_{nin-1}, bias]``.
Weights = list[list[list[float]]]


@dataclass(frozen=True)
class Problem:
    """Everything that defines the step: data, sizes, initial weights, hyperparameters."""

    xs: list[list[float]]
    ys: list[float]
    sizes: list[int]
    weights: Weights
    lr: float = 0.05
    alpha: float = 1e-4

    @property
    def hidden(self) -> list[int]:
        """The layer widths after the input, as ``MLP(nin, hidden)`` takes them."""
        return self.sizes[1:]


@dataclass(frozen=True)
class StepResult:
    """What one step computed, flattened in layer, neuron, weights-then-bias order."""

    loss: float
    grads: list[float]
    params_after: list[float]


class Variant(Protocol):
    """An implementation of the training step."""

    name: str
    note: str

    def step(self) -> float:
        """Run one training step and return the loss before the update."""
        ...

    def result(self, loss: float) -> StepResult:
        """The gradients and parameters left by the last step."""
        ...


def make_moons(n: int, noise: float = 0.1, seed: int = 0) -> tuple[list[list[float]], list[float]]:
    """Two interleaving half circles with labels -1 and 1, as plain Python floats.

    Example:
        >>> xs, ys = make_moons(4)
        >>> len(xs), sorted(set(ys))
        (4, [-1.0, 1.0])
    """
    rng = np.random.default_rng(seed)
    n_outer = n // 2
    n_inner = n - n_outer
    t_outer = np.linspace(0.0, np.pi, n_outer)
    t_inner = np.linspace(0.0, np.pi, n_inner)
    points = np.concatenate(
        [
            np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1),
            np.stack([1.0 - np.cos(t_inner), 0.5 - np.sin(t_inner)], axis=1),
        ]
    )
    points += rng.normal(scale=noise, size=points.shape)
    labels = np.concatenate([-np.ones(n_outer), np.ones(n_inner)])
    order = rng.permutation(n)
    return points[order].tolist(), labels[order].tolist()


def make_problem(points: int, seed: int = 0) -> Problem:
    """The moons step with seeded weights shared by every variant.

    Weights are He-scaled normals; biases are small but nonzero so the check
    also catches a bias that is wired up wrongly.
    """
    xs, ys = make_moons(points, seed=seed)
    sizes = [2, 16, 16, 1]
    rng = np.random.default_rng(seed + 1)
    weights: Weights = []
    for nin, nout in itertools.pairwise(sizes):
        w = rng.normal(scale=np.sqrt(2.0 / nin), size=(nout, nin))
        b = rng.uniform(-0.1, 0.1, size=(nout, 1))
        weights.append(np.concatenate([w, b], axis=1).tolist())
    return Problem(xs, ys, sizes, weights)


def flat(weights: Weights) -> list[float]:
    """Flatten weights in layer, neuron, weights-then-bias order."""
    return [p for layer in weights for neuron in layer for p in neuron]


# --------------------------------------------------------------------------- plain floats


class PlainFloats:
    """Forward and backward written by hand with floats and lists: the pure-Python floor."""

    name = "plain floats (hand-written)"
    note = "no graph at all: the floor for pure Python"

    def __init__(self, problem: Problem) -> None:
        """Copy the shared weights into nested lists of floats."""
        self.p = problem
        self.weights = [[list(neuron) for neuron in layer] for layer in problem.weights]
        self.grads = [[[0.0] * len(neuron) for neuron in layer] for layer in self.weights]

    def step(self) -> float:
        """Forward, hinge loss, backward and SGD update for all points."""
        weights, grads = self.weights, self.grads
        for layer in grads:
            for g in layer:
                g[:] = [0.0] * len(g)
        n = len(self.p.xs)
        last = len(weights) - 1
        data_loss = 0.0
        for x, y in zip(self.p.xs, self.p.ys, strict=True):
            # Forward, keeping each layer's input and pre-activation for the backward pass.
            inputs: list[list[float]] = []
            pres: list[list[float]] = []
            a = x
            for li, layer in enumerate(weights):
                z = []
                for neuron in layer:
                    s = neuron[-1]
                    for w, ai in zip(neuron, a):  # zip stops before the bias
                        s += w * ai
                    z.append(s)
                inputs.append(a)
                pres.append(z)
                a = z if li == last else [v if v > 0.0 else 0.0 for v in z]
            margin = 1.0 - y * a[0]
            if margin <= 0.0:
                continue  # relu is flat here: this point adds nothing to the gradients
            data_loss += margin
            # Backward: delta is dE/dz of the current layer's pre-activations.
            delta = [-y / n]
            for li in range(last, -1, -1):
                a = inputs[li]
                back = [0.0] * len(a)
                for neuron, g, d in zip(weights[li], grads[li], delta, strict=True):
                    if d == 0.0:
                        continue
                    for i, ai in enumerate(a):
                        g[i] += d * ai
                        back[i] += d * neuron[i]
                    g[-1] += d
                if li:
                    delta = [b if z > 0.0 else 0.0 for b, z in zip(back, pres[li - 1], strict=True)]
        alpha, lr = self.p.alpha, self.p.lr
        reg = 0.0
        for layer, glayer in zip(weights, grads, strict=True):
            for neuron, g in zip(layer, glayer, strict=True):
                for i, w in enumerate(neuron):
                    reg += w * w
                    g[i] += 2.0 * alpha * w
                    neuron[i] = w - lr * g[i]
        return data_loss / n + alpha * reg

    def result(self, loss: float) -> StepResult:
        """Gradients and updated weights in the shared flat order."""
        return StepResult(loss, flat(self.grads), flat(self.weights))


# --------------------------------------------------------------------------- autograd_lite


class AutogradLite:
    """autograd_lite as a user writes it: nn.MLP, losses.hinge, backward, optim.SGD."""

    def __init__(self, problem: Problem, ag: Any, gc_enabled: bool = True) -> None:
        """Build ``nn.MLP`` and set its parameters to the shared weights."""
        self.name = "autograd_lite" if gc_enabled else "autograd_lite, gc off"
        self.p = problem
        self.ag = ag
        self.model = ag.nn.MLP(2, problem.hidden, activation="relu", seed=0)
        self.neurons = [n for layer in self.model.layers for n in layer.neurons]
        for neuron, values in zip(self.neurons, _all_neurons(problem.weights), strict=True):
            for w, v in zip(neuron.w, values[:-1], strict=True):
                w.data = v
            neuron.b.data = values[-1]
        self.params = self.model.parameters()
        self.opt = ag.optim.SGD(self.params, lr=problem.lr)
        self.note = "nn.MLP, losses.hinge, optim.SGD" + ("" if gc_enabled else "; gc off")

    def step(self) -> float:
        """One training step; returns the loss."""
        ag, p, model = self.ag, self.p, self.model
        self.opt.zero_grad()
        scores = [model(x) for x in p.xs]
        loss = ag.losses.hinge(scores, p.ys) + p.alpha * ag.sum([q * q for q in self.params])
        loss.backward()
        self.opt.step()
        return float(loss.data)

    def phases(self) -> dict[str, float]:
        """The same step as :meth:`step`, timing each phase (seconds) for tuning."""
        ag, p, model = self.ag, self.p, self.model
        clock = time.perf_counter
        t0 = clock()
        self.opt.zero_grad()
        t1 = clock()
        scores = [model(x) for x in p.xs]
        t2 = clock()
        loss = ag.losses.hinge(scores, p.ys) + p.alpha * ag.sum([q * q for q in self.params])
        t3 = clock()
        loss.backward()
        t4 = clock()
        self.opt.step()
        t5 = clock()
        return {
            "zero_grad": t1 - t0,
            "forward (model)": t2 - t1,
            "loss": t3 - t2,
            "backward": t4 - t3,
            "optimizer step": t5 - t4,
        }

    def result(self, loss: float) -> StepResult:
        """Gradients and updated weights in the shared flat order."""
        params = [q for n in self.neurons for q in [*n.w, n.b]]
        return StepResult(loss, [float(q.grad) for q in params], [float(q.data) for q in params])


class AutogradLiteCompiled(AutogradLite):
    """The same user code as :class:`AutogradLite`, with the loss wrapped in ``ag.compile``.

    The numpy tier gets the data as arrays (as ``data.make_moons`` returns
    it); the Python tier, the tier used without numpy, gets plain lists.
    """

    def __init__(self, problem: Problem, ag: Any, tier: str) -> None:
        """Build the model as :class:`AutogradLite` does and compile its loss."""
        super().__init__(problem, ag)
        self.name = f"autograd_lite compiled ({tier} tier)"
        self.tier = tier
        model, params, alpha = self.model, self.params, problem.alpha

        def loss(xs: Any, ys: Any) -> Any:
            scores = [model(x) for x in xs]
            return ag.losses.hinge(scores, ys) + alpha * ag.sum([q * q for q in params])

        self.loss = ag.compile(loss, tier=tier)
        if tier == "numpy":
            self.args: tuple[Any, ...] = (np.array(problem.xs), np.array(problem.ys))
            self.note = "ag.compile: folded into matrix products; data as arrays"
        else:
            self.args = (problem.xs, problem.ys)
            self.note = "ag.compile: Python loops per group of alike nodes; data as lists"

    def step(self) -> float:
        """One training step through the compiled loss; returns the loss."""
        self.opt.zero_grad()
        loss = self.loss(*self.args)
        loss.backward()
        self.opt.step()
        if self.loss.mode != self.tier:
            raise RuntimeError(f"{self.name} ran {self.loss.mode}: {self.loss.fallback_reason}")
        return float(loss.data)


def _all_neurons(weights: Weights) -> list[list[float]]:
    """Every neuron's ``[w..., b]`` in layer order."""
    return [neuron for layer in weights for neuron in layer]


# --------------------------------------------------------------------------- micrograd


class Micrograd:
    """micrograd 0.1.0 as shipped: its nn.MLP, the loss from its demo notebook."""

    def __init__(self, problem: Problem, mg: Any, gc_enabled: bool) -> None:
        """Build micrograd's MLP and overwrite its random weights with the shared ones."""
        from micrograd.nn import MLP  # type: ignore[import-not-found]

        random.seed(0)
        self.p = problem
        self.model = MLP(2, problem.hidden)
        gc_text = "gc on (as shipped)" if gc_enabled else "gc off"
        self.name = f"micrograd 0.1.0, {gc_text}"
        self.note = (
            "steps back to back; the cyclic gc reclaims the closures' cycles"
            if gc_enabled
            else "gc.disable() around the step, collected outside the timing"
        )
        for layer, values in zip(self.model.layers, problem.weights, strict=True):
            for neuron, ws in zip(layer.neurons, values, strict=True):
                for w, v in zip(neuron.w, ws[:-1], strict=True):
                    w.data = v
                neuron.b.data = ws[-1]

    def step(self) -> float:
        """One training step; returns the loss."""
        p, model = self.p, self.model
        model.zero_grad()
        scores = [model(x) for x in p.xs]
        losses = [(1 + -y * s).relu() for y, s in zip(p.ys, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = p.alpha * sum(q * q for q in model.parameters())
        loss = data_loss + reg_loss
        loss.backward()
        for q in model.parameters():
            q.data -= p.lr * q.grad
        return float(loss.data)

    def result(self, loss: float) -> StepResult:
        """Gradients and updated weights in the shared flat order (micrograd's own order)."""
        params = self.model.parameters()
        return StepResult(loss, [float(q.grad) for q in params], [float(q.data) for q in params])


# --------------------------------------------------------------------------- torch


class TorchScalars:
    """PyTorch with 0-d float64 tensors, op by op: a per-scalar network like micrograd's."""

    name = "PyTorch scalars (0-d tensors)"
    note = "float64, one autograd node per scalar op"

    def __init__(self, problem: Problem, torch: Any) -> None:
        """Make one 0-d leaf tensor per weight."""
        self.p = problem
        self.torch = torch
        self.layers = [
            [
                [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in neuron]
                for neuron in layer
            ]
            for layer in problem.weights
        ]
        self.params = [q for layer in self.layers for neuron in layer for q in neuron]

    def step(self) -> float:
        """One training step; returns the loss."""
        p = self.p
        for q in self.params:
            q.grad = None
        last = len(self.layers) - 1
        data_loss = 0.0
        for x, y in zip(p.xs, p.ys, strict=True):
            a: Sequence[Any] = x
            for li, layer in enumerate(self.layers):
                z = []
                for neuron in layer:
                    s = neuron[-1]
                    for w, ai in zip(neuron, a):  # zip stops before the bias
                        s = s + w * ai
                    z.append(s)
                a = z if li == last else [v.relu() for v in z]
            data_loss = data_loss + (1 - y * a[0]).relu()
        reg = sum(q * q for q in self.params)
        loss = data_loss / len(p.xs) + p.alpha * reg
        loss.backward()  # type: ignore[union-attr]
        with self.torch.no_grad():
            for q in self.params:
                q -= p.lr * q.grad
        return float(loss.item())  # type: ignore[union-attr]

    def result(self, loss: float) -> StepResult:
        """Gradients and updated weights in the shared flat order."""
        return StepResult(
            loss, [q.grad.item() for q in self.params], [q.item() for q in self.params]
        )


class TorchBatched:
    """PyTorch the way it is meant to be used: a few float64 matrix ops for the batch."""

    name = "PyTorch batched (matrices)"
    note = "float64, 1 thread; not a scalar engine, shown for scale"

    def __init__(self, problem: Problem, torch: Any) -> None:
        """Make one weight matrix and one bias vector per layer."""
        self.p = problem
        self.torch = torch
        self.x = torch.tensor(problem.xs, dtype=torch.float64)
        self.y = torch.tensor(problem.ys, dtype=torch.float64)
        self.ws = []
        self.bs = []
        for layer in problem.weights:
            m = torch.tensor(layer, dtype=torch.float64)
            self.ws.append(m[:, :-1].clone().requires_grad_(True))
            self.bs.append(m[:, -1].clone().requires_grad_(True))

    def step(self) -> float:
        """One training step; returns the loss."""
        torch, p = self.torch, self.p
        params = self.ws + self.bs
        for q in params:
            q.grad = None
        h = self.x
        last = len(self.ws) - 1
        for li, (w, b) in enumerate(zip(self.ws, self.bs, strict=True)):
            h = h @ w.T + b
            if li != last:
                h = torch.relu(h)
        data_loss = torch.relu(1 - self.y * h[:, 0]).mean()
        reg = sum((q * q).sum() for q in params)
        loss = data_loss + p.alpha * reg
        loss.backward()
        with torch.no_grad():
            for q in params:
                q -= p.lr * q.grad
        return float(loss.item())

    def result(self, loss: float) -> StepResult:
        """Gradients and updated weights in the shared flat order."""
        grads: Weights = []
        after: Weights = []
        for w, b in zip(self.ws, self.bs, strict=True):
            assert w.grad is not None and b.grad is not None
            grads.append(self.torch.cat([w.grad, b.grad[:, None]], dim=1).tolist())
            after.append(self.torch.cat([w, b[:, None]], dim=1).tolist())
        return StepResult(loss, flat(grads), flat(after))


# --------------------------------------------------------------------------- the section


def check(variant: Variant, reference: StepResult, reference_name: str) -> None:
    """Run one step of ``variant`` and compare everything with the reference step."""
    got = variant.result(variant.step())
    check_agrees("loss", variant.name, [got.loss], [reference.loss], reference_name)
    check_agrees("gradients", variant.name, got.grads, reference.grads, reference_name)
    check_agrees(
        "updated parameters", variant.name, got.params_after, reference.params_after, reference_name
    )


def run(peers: Peers, points: int, repeats: int) -> list[Row]:
    """Check every variant against autograd_lite, then time a step of each.

    Returns the section's rows; raises :class:`Disagreement` if a variant differs.
    Without autograd_lite the peers are checked against the plain-float step.
    """
    problem = make_problem(points)
    # Factories, so that each variant is built afresh from the shared weights
    # for the check and again for the timing; the flag is "gc on while timed".
    variants: list[tuple[Any, bool]] = []
    rows: list[Row] = []
    ag, mg, torch = peers.autograd_lite, peers.micrograd, peers.torch
    if ag is not None:
        variants.append((lambda: AutogradLite(problem, ag, gc_enabled=True), True))
        variants.append((lambda: AutogradLite(problem, ag, gc_enabled=False), False))
    else:
        rows.append(Row(SECTION, MEASURE, "autograd_lite", None, note=peers.autograd_lite_why))
    variants.append((lambda: PlainFloats(problem), True))
    if mg is not None:
        variants.append((lambda: Micrograd(problem, mg, gc_enabled=True), True))
        variants.append((lambda: Micrograd(problem, mg, gc_enabled=False), False))
    else:
        rows.append(Row(SECTION, MEASURE, "micrograd 0.1.0", None, note=peers.micrograd_why))
    if torch is not None:
        variants.append((lambda: TorchScalars(problem, torch), True))
        variants.append((lambda: TorchBatched(problem, torch), True))
    else:
        rows.append(Row(SECTION, MEASURE, "PyTorch", None, note=peers.torch_why))

    if ag is not None:
        for tier in ("numpy", "python"):
            variants.insert(2, (functools.partial(AutogradLiteCompiled, problem, ag, tier), True))

    first = variants[0][0]()
    reference = first.result(first.step())
    for make, _ in variants[1:]:
        check(make(), reference, first.name)

    # Time everything first: the compiled rows' targets compare with later rows.
    medians: list[tuple[Variant, float]] = []
    for make, gc_enabled in variants:
        variant: Variant = make()
        variant.step()  # warm-up: first-call costs are not what we compare
        medians.append((variant, measure(variant.step, repeats, gc_enabled=gc_enabled)))
    if ag is not None:
        first_steps = [_first_step(problem, ag, repeats, tier) for tier in ("numpy", "python")]
    times = {variant.name: median for variant, median in medians}
    ag_time = times.get("autograd_lite")
    for variant, median in medians:
        if variant.name == "autograd_lite":
            rows.append(Row(SECTION, MEASURE, variant.name, median, note=variant.note))
            if ag is not None:
                rows.extend(first_steps)
            continue
        compiled = variant.name.startswith("autograd_lite compiled")
        # The compiled rows are autograd_lite too: their targets say how they compare.
        r = None if compiled else ratio(ag_time, median, higher_is_better=False)
        goal, met = _goal(variant.name, r, median, times)
        rows.append(
            Row(
                SECTION,
                MEASURE,
                variant.name,
                median,
                ratio=r,
                goal=goal,
                met=met,
                note=variant.note,
            )
        )
    return rows


def _first_step(problem: Problem, ag: Any, repeats: int, tier: str) -> Row:
    """The compiled step's first call: trace, generate the code, replay, backward, update."""
    times = []
    for _ in range(repeats):
        variant = AutogradLiteCompiled(problem, ag, tier)
        start = time.perf_counter()
        variant.step()
        times.append(time.perf_counter() - start)
    return Row(
        SECTION,
        "first step",
        f"autograd_lite compiled: first step (trace + first call), {tier} tier",
        statistics.median(times),
        note=f"{tier} tier; paid once per argument structure",
    )


def _goal(
    name: str, r: float | None, median: float, times: dict[str, float]
) -> tuple[str, bool | None]:
    """The issue's target for the row of variant ``name``, and whether it is met."""
    floor = times.get(PlainFloats.name)
    if name.startswith("autograd_lite compiled (numpy"):
        torch_batched = times.get(TorchBatched.name)
        if floor is None:
            return "≤ 0.1x plain floats", None
        eager = times.get("autograd_lite")
        text = f"≤ 0.1x plain floats ({median / floor:.2g}x)"
        met = median <= 0.1 * floor
        if eager is not None:
            text += f", ≥ 80x eager ({eager / median:.3g}x)"
            met = met and eager >= 80 * median
        if torch_batched is not None:
            text += f", faster than PyTorch batched ({median / torch_batched:.2g}x)"
            met = met and median < torch_batched
        return text, met
    if name.startswith("autograd_lite compiled (python"):
        if floor is None:
            return "≤ 1x plain floats", None
        return f"≤ 1x plain floats ({median / floor:.2g}x)", median <= floor
    if name.startswith("micrograd") and "gc on" in name:
        target, text = 30.0, "≥ 30x faster"
    elif name.startswith("PyTorch scalars"):
        target, text = 8.0, "≥ 8x faster"
    elif name.startswith("plain floats"):
        target, text = 0.1, "≤ 10x slower"
    else:
        return "", None
    return text, (None if r is None else r >= target)
