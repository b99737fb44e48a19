"""Section (c): bytes per node, and whether a dropped graph is freed without the gc.

Both are measured with :mod:`tracemalloc` on the shared ``+ * relu`` random
graph of section (b): the bytes a built graph holds (leaves, nodes, their
floats, tuples and closures) divided by its node count, and the bytes still
held after the last reference to the graph is dropped with the cyclic garbage
collector switched off. A graph without reference cycles is freed at once by
reference counting; one with cycles (micrograd's closures refer back to their
node) stays until ``gc.collect()`` runs. PyTorch allocates in C++, out of
tracemalloc's sight, so it is not measured here.

"Bytes per node" counts leaves too: it is the graph's traced size divided by
all of its nodes.
"""

from __future__ import annotations

import gc
import tracemalloc
import weakref
from dataclasses import dataclass

from benchmarks.common import Peers, Row, ratio
from benchmarks.random_graph import COMMON_MIX, Engine, GraphSpec, build, engines, generate

SECTION = "(c) memory"


@dataclass(frozen=True)
class Footprint:
    """What one engine's graph costs in memory."""

    built: int  # bytes held by the built graph
    after_backward: int  # bytes held once backward has filled the gradients
    alive_after_drop: int  # nodes still alive after dropping it, gc off
    left_after_drop: int  # bytes still held then
    left_after_collect: int  # bytes still held after gc.collect()
    root_died: bool | None  # whether a weakref to the root died at the drop (None: no weakrefs)


def footprint(engine: Engine, spec: GraphSpec) -> Footprint:
    """Build, backpropagate and drop ``spec`` under tracemalloc with the gc off."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        node_type = type(engine.leaf(0.0))
        # Nodes of this type that other sections keep alive are not this graph's.
        before = sum(1 for o in gc.get_objects() if type(o) is node_type)
        root = build(engine, spec, [engine.leaf(x) for x in spec.leaves])
        built = tracemalloc.get_traced_memory()[0] - base
        root.backward()
        after_backward = tracemalloc.get_traced_memory()[0] - base
        try:
            ref: weakref.ref[object] | None = weakref.ref(root)
        except TypeError:
            ref = None
        del root
        left = tracemalloc.get_traced_memory()[0] - base
        died = None if ref is None else ref() is None
        # Count survivors by type, not bytes: freed memory may stay in the
        # interpreter's free lists, which only gc.collect() empties.
        alive = sum(1 for o in gc.get_objects() if type(o) is node_type) - before
        gc.collect()
        collected = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
        if was_enabled:
            gc.enable()
    return Footprint(built, after_backward, alive, left, collected, died)


def _mb(n: int) -> str:
    """Bytes as megabytes, for notes."""
    return f"{n / 1e6:.1f} MB"


def run(peers: Peers, n_nodes: int) -> list[Row]:
    """Bytes per node and freeing, for autograd_lite and micrograd."""
    spec = generate(n_nodes, COMMON_MIX, seed=1)
    rows: list[Row] = []
    if peers.autograd_lite is None:
        rows.append(
            Row(
                SECTION,
                "bytes per node",
                "autograd_lite",
                None,
                unit="B/node",
                note=peers.autograd_lite_why,
            )
        )
    # One engine per library (footprint() switches the gc off itself); PyTorch
    # allocates in C++, where tracemalloc cannot see.
    names = {"autograd_lite": "autograd_lite", "micrograd 0.1.0, gc off": "micrograd 0.1.0"}
    results = [(names[e.name], footprint(e, spec)) for e in engines(peers) if e.name in names]
    ag_bytes = None
    for name, fp in results:
        per_node = fp.built / spec.n_nodes
        is_ag = name == "autograd_lite"
        if is_ag:
            ag_bytes = per_node
        r = None if is_ag else ratio(ag_bytes, per_node, higher_is_better=False)
        rows.append(
            Row(
                SECTION,
                f"bytes per node ({spec.n_nodes:,}-node graph)",
                name,
                per_node,
                unit="B/node",
                ratio=r,
                words=("smaller", "larger"),
                goal="≤ 250 B/node" if is_ag else "",
                met=per_node <= 250 if is_ag else None,
                note=f"{fp.after_backward / spec.n_nodes:.0f} B/node once backward set the grads",
            )
        )
    for name, fp in results:
        freed = fp.alive_after_drop == 0 and fp.root_died is not False
        weak = (
            ""
            if fp.root_died is None
            else ("weakref to the root died; " if fp.root_died else "weakref to the root alive; ")
        )
        rows.append(
            Row(
                SECTION,
                "dropped graph freed without gc.collect()",
                name,
                "yes" if freed else "no",
                unit="",
                goal="yes" if name == "autograd_lite" else "",
                met=freed if name == "autograd_lite" else None,
                note=f"{weak}after del with gc off {fp.alive_after_drop:,} nodes "
                f"({_mb(fp.left_after_drop)}) alive, "
                f"after gc.collect() {_mb(fp.left_after_collect)}",
            )
        )
    if not peers.micrograd:
        rows.append(
            Row(
                SECTION,
                "bytes per node",
                "micrograd 0.1.0",
                None,
                unit="B/node",
                note=peers.micrograd_why,
            )
        )
    return rows
