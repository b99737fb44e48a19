"""Walking the computation graph: iterative, deterministic, shared by everyone.

``backward``, ``zero_grad``, ``backward_steps``, drawing and ``explain`` all
need to visit the graph. They use these functions so that every traversal
has the same order and none of them recurses: a chain a million nodes deep
is walked with an explicit stack, never with Python's call stack.

Example:
    >>> from autograd_lite import Value
    >>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
    >>> [v.label or v.op for v in topological_order((a * b).exp() + a)]
    ['a', 'b', '*', 'exp', '+']
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .value import Value


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, each listed after all of its inputs.

    The order is a depth-first post-order that expands inputs in operand
    order (a leaf is listed as soon as its first consumer is expanded), so it
    follows the forward program and is the same on every run.

    Args:
        root: the output node.
    Returns:
        A list of unique nodes ending with ``root``.

    Example:
        >>> from autograd_lite import Value
        >>> x = Value(3.0, label="x")
        >>> [v.label or v.op for v in topological_order(x * x)]
        ['x', '*']
    """
    order: list[Value] = []
    seen: set[Value] = set()
    # An explicit stack replaces recursion. A node is expanded when first
    # popped: leaves among its inputs depend on nothing and are emitted at
    # once; other unseen inputs are pushed, with the node itself beneath them
    # (flag True) so that it is emitted after they are. A node whose inputs
    # are all done is emitted straight away. Nodes are marked when expanded,
    # not when pushed, so a node may sit on the stack twice and only its
    # first expansion counts. Two parallel lists instead of (node, flag)
    # tuples keep the cyclic GC out of the loop.
    stack = [root]
    expanded = [False]
    push, pop, push_flag, pop_flag = stack.append, stack.pop, expanded.append, expanded.pop
    emit, mark = order.append, seen.add
    while stack:
        node = pop()
        if pop_flag():
            emit(node)
        elif node not in seen:
            mark(node)
            waiting = False
            # Reversed so that the first operand is popped, and emitted, first.
            for inp in reversed(node.inputs):
                if inp not in seen:
                    if inp.inputs:
                        if not waiting:
                            push(node)
                            push_flag(True)
                            waiting = True
                        push(inp)
                        push_flag(False)
                    else:
                        mark(inp)
                        emit(inp)
            if not waiting:
                emit(node)
    return order


def backward_order(root: Value) -> list[Value]:
    """The order ``backward()`` visits nodes: ``root`` first, every node before its inputs.

    A node's gradient is complete once every node that consumes it has been
    visited, which is exactly what reverse topological order guarantees.

    Example:
        >>> from autograd_lite import Value
        >>> x = Value(3.0, label="x")
        >>> [v.label or v.op for v in backward_order(x.exp())]
        ['exp', 'x']
    """
    order = topological_order(root)
    order.reverse()
    return order


def nodes(root: Value) -> Iterator[Value]:
    """Yield each node reachable from ``root`` once, root first, breadth first.

    Unlike :func:`topological_order` it is lazy, so a caller that stops early
    (drawing with a node limit) never walks the whole graph.

    Example:
        >>> from autograd_lite import Value
        >>> a = Value(1.0, label="a")
        >>> [v.label or v.op for v in nodes(a + a)]
        ['+', 'a']
    """
    seen = {root}
    frontier = [root]
    while frontier:
        following: list[Value] = []
        for node in frontier:
            yield node
            for inp in node.inputs:
                if inp not in seen:
                    seen.add(inp)
                    following.append(inp)
        frontier = following
