"""Section (b): forward and backward nodes per second on a large random graph.

The graph is generated once, as a list of operations over a pool of leaves, and
then built by every engine through the same loop, so the loop's overhead is
identical for all of them. Each operation takes its operands uniformly from
everything built so far, which keeps the graph shallow (micrograd's recursive
topological sort must survive it); operations whose result would leave a
bounded range are redrawn, so values and gradients stay finite. Finally every
node that nothing consumed (a "sink", unused leaves included) is summed by a
balanced tree of additions into one root, so backward reaches every node.

micrograd 0.1.0 has no tanh or exp, so the graph all three engines share uses
``+ * relu``; a second graph adds ``- tanh exp`` for autograd_lite and PyTorch.
"""

from __future__ import annotations

import gc
import math
import operator
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.common import Peers, Row, check_agrees, gc_state, ratio

SECTION = "(b) random graph"

#: How each operation is computed on plain floats while generating the graph.
_FLOAT_OPS: dict[str, Callable[..., float]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "relu": lambda x: x if x > 0.0 else 0.0,
    "tanh": math.tanh,
    "exp": math.exp,
}
UNARY = frozenset({"relu", "tanh", "exp"})

#: Operation mixes (name -> weight) of the two graphs.
COMMON_MIX = {"add": 4, "mul": 4, "relu": 2}
FULL_MIX = {"add": 3, "sub": 2, "mul": 3, "relu": 1, "tanh": 1, "exp": 1}

#: Largest |value| an operation may produce; larger results are redrawn.
BOUND = 4.0


@dataclass(frozen=True)
class GraphSpec:
    """A random graph as data: leaf values, then operations over earlier nodes.

    ``ops[k] = (name, a, b)`` creates node ``len(leaves) + k`` from nodes ``a``
    and ``b`` (``b`` is -1 for a unary op); the last operation is the root.
    """

    leaves: list[float]
    ops: list[tuple[str, int, int]]
    depth: int

    @property
    def n_nodes(self) -> int:
        """Number of nodes in the graph, leaves included."""
        return len(self.leaves) + len(self.ops)


def generate(n_nodes: int, mix: dict[str, int], n_leaves: int = 1000, seed: int = 0) -> GraphSpec:
    """Draw a random graph of ``n_nodes`` nodes: leaves, operations, summing tree.

    Example:
        >>> spec = generate(200, COMMON_MIX, n_leaves=10)
        >>> spec.ops[-1][0], spec.n_nodes
        ('add', 200)
    """
    rng = random.Random(seed)
    names = list(mix)
    weights = [mix[name] for name in names]
    values = [rng.uniform(-1.0, 1.0) for _ in range(n_leaves)]
    depth = [0] * n_leaves
    used = [False] * n_leaves
    ops: list[tuple[str, int, int]] = []
    sinks = n_leaves
    # Stop when leaves + ops + the sinks' summing tree (sinks - 1 adds) fill the budget.
    while n_leaves + len(ops) + sinks - 1 < n_nodes:
        name = rng.choices(names, weights)[0]
        a = rng.randrange(len(values))
        b = -1 if name in UNARY else rng.randrange(len(values))
        if name == "exp" and values[a] > math.log(BOUND):
            continue
        out = _FLOAT_OPS[name](values[a]) if b < 0 else _FLOAT_OPS[name](values[a], values[b])
        if abs(out) > BOUND:
            continue
        ops.append((name, a, b))
        values.append(out)
        depth.append(1 + max(depth[a], depth[b] if b >= 0 else 0))
        for i in (a, b) if b >= 0 else (a,):
            if not used[i]:
                used[i] = True
                sinks -= 1
        used.append(False)
        sinks += 1
    # Sum the sinks pairwise, level by level, so the tree adds only log2 depth.
    level = [i for i, u in enumerate(used) if not u]
    while len(level) > 1:
        nxt = []
        for k in range(0, len(level) - 1, 2):
            a, b = level[k], level[k + 1]
            ops.append(("add", a, b))
            depth.append(1 + max(depth[a], depth[b]))
            nxt.append(len(depth) - 1)
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return GraphSpec(values[:n_leaves], ops, max(depth))


@dataclass(frozen=True)
class Engine:
    """How one library builds nodes: a leaf constructor and one function per op."""

    name: str
    leaf: Callable[[float], Any]
    ops: dict[str, Callable[..., Any]]
    grad: Callable[[Any], float]
    gc_enabled: bool = True
    note: str = ""


def engines(peers: Peers) -> list[Engine]:
    """The engines available in this run, autograd_lite first."""
    found = []
    ag, mg, torch = peers.autograd_lite, peers.micrograd, peers.torch
    if ag is not None:
        v = ag.Value
        ag_ops = {
            "add": operator.add,
            "sub": operator.sub,
            "mul": operator.mul,
            "relu": v.relu,
            "tanh": v.tanh,
            "exp": v.exp,
        }
        found.append(Engine("autograd_lite", v, ag_ops, lambda x: float(x.grad)))
        found.append(
            Engine(
                "autograd_lite, gc off",
                v,
                ag_ops,
                lambda x: float(x.grad),
                gc_enabled=False,
                note="gc.disable() while timed",
            )
        )
    if mg is not None:
        from micrograd.engine import Value as MgValue  # type: ignore[import-not-found]

        found.append(
            Engine(
                "micrograd 0.1.0, gc off",
                MgValue,
                {"add": operator.add, "mul": operator.mul, "relu": MgValue.relu},
                lambda x: float(x.grad),
                gc_enabled=False,
                note="gc.disable() while timed; common graph only (no tanh/exp)",
            )
        )
    if torch is not None:

        def leaf(x: float) -> Any:
            return torch.tensor(x, dtype=torch.float64, requires_grad=True)

        found.append(
            Engine(
                "PyTorch scalars (0-d tensors)",
                leaf,
                {
                    "add": operator.add,
                    "sub": operator.sub,
                    "mul": operator.mul,
                    "relu": torch.relu,
                    "tanh": torch.tanh,
                    "exp": torch.exp,
                },
                lambda x: float(x.grad.item()),
                note="float64",
            )
        )
    return found


def build(engine: Engine, spec: GraphSpec, leaves: Sequence[Any]) -> Any:
    """Build the graph from ``leaves`` with ``engine`` and return its root.

    The loop is the same for every engine; only the functions differ.
    """
    fns = engine.ops
    nodes = list(leaves)
    push = nodes.append
    for name, a, b in spec.ops:
        if b < 0:
            push(fns[name](nodes[a]))
        else:
            push(fns[name](nodes[a], nodes[b]))
    return nodes[-1]


def supports(engine: Engine, spec: GraphSpec) -> bool:
    """Whether ``engine`` has every operation ``spec`` uses."""
    return all(name in engine.ops for name, _, _ in spec.ops)


def gradients(engine: Engine, spec: GraphSpec) -> list[float]:
    """Build, run backward, and return every leaf's gradient (used by the check)."""
    leaves = [engine.leaf(x) for x in spec.leaves]
    build(engine, spec, leaves).backward()
    return [engine.grad(x) for x in leaves]


def time_build_and_backward(engine: Engine, spec: GraphSpec, repeats: int) -> tuple[float, float]:
    """Median seconds to build the graph and to run its backward pass.

    Each repetition starts from fresh leaves with the previous graph freed and
    collected (untimed), then times the build and the backward separately.
    """
    forward, backward = [], []
    for _ in range(repeats + 1):  # the first round is a warm-up
        leaves = [engine.leaf(x) for x in spec.leaves]
        gc.collect()
        with gc_state(engine.gc_enabled):
            start = time.perf_counter()
            root = build(engine, spec, leaves)
            middle = time.perf_counter()
            root.backward()
            end = time.perf_counter()
        forward.append(middle - start)
        backward.append(end - middle)
        del root, leaves
    gc.collect()
    return statistics.median(forward[1:]), statistics.median(backward[1:])


def run(peers: Peers, n_nodes: int, repeats: int) -> list[Row]:
    """Check every engine's leaf gradients against autograd_lite's, then time them."""
    graphs = [
        ("+ * relu", generate(n_nodes, COMMON_MIX, seed=1)),
        ("+ - * relu tanh exp", generate(n_nodes, FULL_MIX, seed=2)),
    ]
    found = engines(peers)
    limit = sys.getrecursionlimit()
    rows: list[Row] = []
    if peers.autograd_lite is None:
        rows.append(
            Row(
                SECTION,
                "nodes/s",
                "autograd_lite",
                None,
                unit="nodes/s",
                note=peers.autograd_lite_why,
            )
        )
    for missing, why in (
        ("micrograd 0.1.0", peers.micrograd_why),
        ("PyTorch scalars", peers.torch_why),
    ):
        if why:
            rows.append(Row(SECTION, "nodes/s", missing, None, unit="nodes/s", note=why))
    try:
        # micrograd sorts recursively: give it room for this graph's depth.
        sys.setrecursionlimit(max(limit, 4 * max(s.depth for _, s in graphs) + 1000))
        for mix_name, spec in graphs:
            usable = [e for e in found if supports(e, spec)]
            if not usable:
                continue
            reference = gradients(usable[0], spec)
            for engine in usable[1:]:
                check_agrees(
                    f"leaf gradients of the {mix_name} graph",
                    engine.name,
                    gradients(engine, spec),
                    reference,
                    usable[0].name,
                )
            rows.extend(_time(usable, spec, mix_name, repeats))
    finally:
        sys.setrecursionlimit(limit)
    return rows


def _time(usable: list[Engine], spec: GraphSpec, mix_name: str, repeats: int) -> list[Row]:
    """Median forward and backward nodes/s of each engine on one graph."""
    n = len(spec.ops)
    rates: dict[str, list[tuple[Engine, float]]] = {"forward": [], "backward": []}
    for engine in usable:
        forward, backward = time_build_and_backward(engine, spec, repeats)
        rates["forward"].append((engine, n / forward))
        rates["backward"].append((engine, n / backward))
    rows = []
    for direction, results in rates.items():
        measure_name = f"{direction}, {mix_name} graph, {n:,} op nodes"
        ag_rate = results[0][1] if results[0][0].name == "autograd_lite" else None
        # A peer is compared with autograd_lite under the same gc setting (micrograd,
        # timed with its gc off, against autograd_lite with its gc off).
        ours = {e.gc_enabled: rate for e, rate in results if e.name.startswith("autograd_lite")}
        for engine, rate in results:
            if engine.name == "autograd_lite":
                r = None
            elif engine.name.startswith("autograd_lite"):
                r = ratio(ag_rate, rate, True)
            else:
                r = ratio(ours.get(engine.gc_enabled, ag_rate), rate, True)
            goal, met = "", None
            if engine.name.startswith("micrograd"):
                goal, met = "≥ 2x faster", None if r is None else r >= 2.0
            rows.append(
                Row(
                    SECTION,
                    measure_name,
                    engine.name,
                    rate,
                    unit="nodes/s",
                    ratio=r,
                    goal=goal,
                    met=met,
                    note=engine.note,
                )
            )
    return rows
