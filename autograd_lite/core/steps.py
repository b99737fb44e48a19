"""Stepping through backward: the pass one node at a time, as :class:`Step` records.

``Value.backward_steps()`` (and :func:`backward_steps`) run the same chain
rule as ``backward()`` but yield after every node, so a loop, a debugger or
a notebook can watch gradients arrive.

Example:
    >>> import autograd_lite as ag
    >>> x = ag.Value(3.0, label="x")
    >>> y = x * x; y.label = "y"
    >>> for step in y.backward_steps():
    ...     print(step)
    [1/2] y = x*x, grad=1.0: x.grad += 3.0 × 1.0 = 3.0; x.grad += 3.0 × 1.0 = 3.0
    [2/2] x, grad=6.0: a leaf, nothing left to pass back
"""

from __future__ import annotations

import builtins
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .backward import WRITES, _start, _update, accumulate, seed_of
from .display import expression, fmt, grad_ref, node_name
from .value import Value

#: How many of a node's inputs ``str(step)`` spells out before it counts the rest.
SHOWN_TERMS = 8

# --- stepping through backward ---------------------------------------------


@dataclass(frozen=True, repr=False)
class Step:
    """One node's chain-rule update during the backward pass.

    Attributes:
        index: 1 for the output, up to ``total`` (backward visits each node once).
        total: the number of nodes in the graph.
        node: the node whose gradient is now complete.
        grad: ∂output/∂node for this pass (after any hook replaced it).
        inputs: ``node.inputs``.
        local_grads: ∂node/∂input for each input (the op's local derivatives).
        contributions: ``local × grad`` for each input: what was just added
            to that input's gradient.
        input_grads: each input's gradient so far in this pass, that addition
            included (the engine's own running total: final once every node
            that uses the input has been visited).

    Example:
        >>> import autograd_lite as ag
        >>> x = ag.Value(2.0, label="x")
        >>> step = next((x * 4).backward_steps())
        >>> step.local_grads, step.contributions
        ((4.0, 2.0), (4.0, 2.0))
    """

    index: int
    total: int
    node: Value
    grad: Any
    inputs: tuple[Value, ...]
    local_grads: tuple[Any, ...]
    contributions: tuple[Any, ...]
    input_grads: tuple[Any, ...] = ()

    def __str__(self) -> str:
        node = self.node
        head = f"[{self.index}/{self.total}] "
        if node.inputs:
            head += f"{node.label} = {expression(node)}" if node.label else expression(node)
        else:
            head += node_name(node)
        head += f", grad={fmt(self.grad)}: "
        if not self.inputs:
            kind = "a constant" if node.is_constant else "a leaf"
            return head + f"{kind}, nothing left to pass back"
        # Constants (the 2 in x * 2) receive their share too, but nothing
        # reads it, so the line leaves them out; a wide node (a sum over a
        # whole data set) shows its first terms and a count, never a megabyte.
        edges = zip(self.inputs, self.local_grads, self.contributions)
        shown = itertools.islice((e for e in edges if not e[0].is_constant), SHOWN_TERMS)
        terms = [
            f"{grad_ref(inp)} += {fmt(d)} × {fmt(self.grad)} = {fmt(c)}" for inp, d, c in shown
        ]
        if len(terms) == SHOWN_TERMS:
            rest = builtins.sum(not inp.is_constant for inp in self.inputs) - SHOWN_TERMS
            if rest:
                terms.append(f"… and {rest:,} more inputs")
        return head + ("; ".join(terms) or "only constants below, nothing to pass on")

    def __repr__(self) -> str:
        return f"<Step {self.index}/{self.total} {node_name(self.node)} grad={fmt(self.grad)}>"


def walk(
    root: Value,
    gradient: Any = 1.0,
    *,
    create_graph: bool = False,
    write_grads: bool = True,
    hooks: bool = True,
) -> Iterator[Step]:
    """The backward pass one :class:`Step` per ``next()``, with the choices spelled out.

    ``backward_steps`` is ``walk`` with the defaults. With
    ``write_grads=False`` no ``.grad`` changes and with ``hooks=False`` no
    user hook runs: how the stepper and other viewers watch a pass without
    changing anything.

    Example:
        >>> x = Value(2.0, label="x")
        >>> [s.grad for s in walk(x * 3, write_grads=False)], x.grad
        ([1.0, 3.0, 2.0], 0.0)
    """
    seed_of(gradient, create_graph, "backward_steps()")  # a bad seed fails now, not at next()
    return _walk(root, gradient, create_graph, write_grads, hooks)


def _walk(
    root: Value, gradient: Any, create_graph: bool, write_grads: bool, hooks: bool
) -> Iterator[Step]:
    order, grads, _ = _start(root, gradient, create_graph, "backward_steps()")  # untraced
    for index, node in enumerate(order, 1):
        node, grad, local, contributions, so_far = _update(node, grads, create_graph, hooks)
        if write_grads:
            with WRITES:  # read and write at once: a concurrent pass adds, never overwrites
                node.grad = accumulate(node.grad, grad, node)
        yield Step(index, len(order), node, grad, node.inputs, local, contributions, so_far)


def backward_steps(
    root: Value, gradient: Any = 1.0, *, create_graph: bool = False
) -> Iterator[Step]:
    """``root.backward()``, one node per ``next()``: a debugger-friendly backward pass.

    Each step applies one node's chain-rule update (adding ``local × grad``
    into each input's running gradient of this pass, and the node's own,
    now complete, ``grad`` into ``node.grad``), then yields it as a
    :class:`Step`. An input's ``.grad`` is written at its own step.
    Exhausting the generator leaves exactly the gradients ``backward()``
    gives; stopping early leaves the nodes not yet visited without this
    pass's gradient. Hooks run as in ``backward()``.
    The running gradients belong to this generator, so other passes (an
    ``explain``, ``ag.gradients``) may run while it is paused. Under
    ``pdb``, ``s`` from ``next(steps)`` reaches the op's own named
    local-derivative function (``mul_local``, ``tanh_local``, ...).

    Args:
        root: the output to differentiate.
        gradient: the seed ∂E/∂root (1.0 for a scalar loss).
        create_graph: record the backward pass (gradients become Values).

    Example:
        >>> import autograd_lite as ag
        >>> x = ag.Value(0.5, label="x")
        >>> steps = list(backward_steps(x.exp()))
        >>> len(steps), round(x.grad, 4)
        (2, 1.6487)
    """
    seed_of(gradient, create_graph, "backward_steps()")  # a bad seed fails now, not at next()
    return _walk(root, gradient, create_graph, True, True)


Value.backward_steps = backward_steps  # type: ignore[method-assign,assignment]
