"""Section (d): a very deep chain, ``x = tanh(x)`` a million times over.

This is the graph that breaks recursive engines (micrograd's topological sort
recurses once per level, so it is not run here). The build and the backward
pass are timed separately; the leaf's gradient is checked against
autograd_lite's before timing. A plain-float forward and backward shows the
pure-Python floor.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable
from typing import Any

from benchmarks.common import Peers, Row, check_agrees, gc_state, ratio

SECTION = "(d) deep chain"
START = 0.5


def plain_chain(depth: int) -> tuple[float, float, float]:
    """The chain with floats: returns (build seconds, backward seconds, d out / d x)."""
    start = time.perf_counter()
    outs = []
    x = START
    for _ in range(depth):
        x = math.tanh(x)
        outs.append(x)
    middle = time.perf_counter()
    grad = 1.0
    for t in reversed(outs):
        grad *= 1.0 - t * t
    return middle - start, time.perf_counter() - middle, grad


def _engine_chain(
    leaf: Callable[[float], Any],
    tanh: Callable[[Any], Any],
    grad: Callable[[Any], float],
    depth: int,
) -> tuple[float, float, float]:
    """The chain with an engine: returns (build seconds, backward seconds, leaf gradient)."""
    x0 = leaf(START)
    start = time.perf_counter()
    x = x0
    for _ in range(depth):
        x = tanh(x)
    middle = time.perf_counter()
    x.backward()
    end = time.perf_counter()
    del x  # freeing a million nodes takes a while: keep it out of the timings
    return middle - start, end - middle, grad(x0)


def run(peers: Peers, depth: int, repeats: int) -> list[Row]:
    """Check, then time build and backward of the chain per engine."""
    chains: list[tuple[str, Callable[[], tuple[float, float, float]], str]] = []
    rows: list[Row] = []
    ag, torch = peers.autograd_lite, peers.torch
    if ag is not None:

        def ag_chain() -> tuple[float, float, float]:
            return _engine_chain(ag.Value, ag.Value.tanh, lambda v: v.grad, depth)

        def ag_chain_gc_off() -> tuple[float, float, float]:
            with gc_state(False):
                return ag_chain()

        chains.append(("autograd_lite", ag_chain, ""))
        chains.append(("autograd_lite, gc off", ag_chain_gc_off, "gc.disable() while timed"))
    else:
        rows.append(Row(SECTION, "build", "autograd_lite", None, note=peers.autograd_lite_why))
    if torch is not None:

        def leaf(x: float) -> Any:
            return torch.tensor(x, dtype=torch.float64, requires_grad=True)

        chains.append(
            (
                "PyTorch scalars (0-d tensors)",
                lambda: _engine_chain(leaf, torch.tanh, lambda v: v.grad.item(), depth),
                "float64",
            )
        )
    else:
        rows.append(Row(SECTION, "build", "PyTorch scalars", None, note=peers.torch_why))
    chains.append(
        (
            "plain floats (hand-written)",
            lambda: plain_chain(depth),
            "a list of floats: the floor for pure Python",
        )
    )

    # medians[step][variant name]
    medians: dict[str, dict[str, float]] = {"build": {}, "backward": {}}
    reference: float | None = None
    for name, chain, _ in chains:
        builds, backwards = [], []
        for i in range(repeats + 1):  # the first run is the check and a warm-up
            gc.collect()
            built, backward, grad = chain()
            if i == 0:
                if reference is None:
                    reference = grad
                else:
                    check_agrees(
                        "gradient of the chain's leaf", name, [grad], [reference], chains[0][0]
                    )
                continue
            builds.append(built)
            backwards.append(backward)
        medians["build"][name] = statistics.median(builds)
        medians["backward"][name] = statistics.median(backwards)
    gc.collect()

    for step, times in medians.items():
        ag_time = times.get("autograd_lite")
        for name, _, note in chains:
            r = None if name == "autograd_lite" else ratio(ag_time, times[name], False)
            goal, met = "", None
            if step == "backward" and name.startswith("PyTorch"):
                goal, met = "≥ 5x faster", None if r is None else r >= 5.0
            rows.append(
                Row(
                    SECTION,
                    f"{step}, {depth:,} deep",
                    name,
                    times[name],
                    ratio=r,
                    goal=goal,
                    met=met,
                    note=note,
                )
            )
    return rows
