"""Folding: group a trace's nodes into batches that compute the same thing.

Two nodes are *alike* when they apply the same op to inputs that are
themselves alike, where every argument float is alike every other, every
parameter alike every other, and every constant alike every other. The 100
per-sample copies of a network's forward pass are then one group per
neuron layer: a group is one batched operation over its members, and each
input position of the group reads from one earlier group through an index
array. Alikeness is structural (a class is a tree of classes), so a group
never depends on itself and groups come out in topological order.

Example:
    >>> from autograd_lite import Value
    >>> from autograd_lite.compile.trace import record
    >>> w = Value(2.0)
    >>> f = lambda xs: sum(((w * x).relu() for x in xs), Value(0.0))
    >>> t = record(f, ([1.0, -1.0, 3.0],), {})
    >>> [(g.op, g.size) for g in fold(t).groups]
    [('arg', 3), ('param', 2), ('const', 0), ('*', 3), ('relu', 3), ('+', 1), ('+', 1), ('+', 1)]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .trace import Trace

ARG, PARAM, CONST = 0, 1, 2


@dataclass
class Group:
    """A batch of alike entries: ``members`` (tape indices) and, per input position, its source."""

    op: str
    members: list[int] = field(default_factory=list)
    sources: tuple[int, ...] = ()  # the group each input position reads from
    index: list[list[int]] = field(default_factory=list)  # per position: member -> source row
    grad: bool = True  # propagate gradients (reached from the output, recorded with grad)

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass
class Folded:
    """A trace as groups; ``where[entry] = (group, row)``."""

    trace: Trace
    groups: list[Group]
    where: list[tuple[int, int]]
    reached: list[bool]


def reached_from_output(trace: Trace) -> list[bool]:
    """Which entries the output's gradient reaches (what eager ``backward`` visits)."""
    entries = trace.entries
    reached = [False] * len(entries)
    reached[trace.output] = True
    for i in range(trace.output, -1, -1):
        e = entries[i]
        if reached[i] and e.kind == "node" and e.grad:
            for j in e.inputs:
                reached[j] = True
    return reached


def fold(trace: Trace) -> Folded:
    """Group ``trace``'s entries into alike batches."""
    entries = trace.entries
    reached = reached_from_output(trace)
    groups = [Group("arg"), Group("param"), Group("const")]
    classes: dict[Any, int] = {}
    klass = [0] * len(entries)
    where: list[tuple[int, int]] = [(0, 0)] * len(entries)
    params = 0
    consts = 0
    for i, e in enumerate(entries):
        if e.kind == "arg":
            where[i] = (ARG, e.payload)
            klass[i] = ARG
            continue
        if e.kind == "param":
            where[i] = (PARAM, params)
            params += 1
            klass[i] = PARAM
            continue
        if e.kind == "const":
            where[i] = (CONST, consts)
            consts += 1
            klass[i] = CONST
            continue
        grad = e.grad and reached[i]
        key = (e.op, grad, tuple(klass[j] for j in e.inputs))
        c = classes.get(key)
        if c is None:
            c = classes[key] = len(groups)
            sources = tuple(where[j][0] if klass[j] < 3 else klass[j] for j in e.inputs)
            groups.append(Group(e.op, [], sources, [[] for _ in e.inputs], grad))
        g = groups[c]
        for position, j in enumerate(e.inputs):
            g.index[position].append(where[j][1])
        where[i] = (c, len(g.members))
        g.members.append(i)
        klass[i] = c
    groups[ARG].members = [i for i, e in enumerate(entries) if e.kind == "arg"]
    groups[PARAM].members = [i for i, e in enumerate(entries) if e.kind == "param"]
    groups[CONST].members = [i for i, e in enumerate(entries) if e.kind == "const"]
    return Folded(trace, groups, where, reached)
