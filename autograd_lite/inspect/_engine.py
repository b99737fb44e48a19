"""The two things the inspection tools ask the core that it has no public name for yet.

Kept in one place so each can be swapped for the core's public answer when
it lands: whether a node is a plain-number constant (the 2 in ``x * 2``),
and the engine's own backward steps for a graph without leaving gradients
behind.

Example:
    >>> from autograd_lite import Value
    >>> x = Value(2.0, label="x")
    >>> y = x * 2
    >>> is_constant(y.inputs[1]), is_constant(x)
    (True, False)
    >>> [s.grad for s in engine_steps(y)], x.grad
    ([1.0, 2.0, 2.0], 0.0)
"""

from __future__ import annotations

from ..core.graph import topological_order
from ..core.steps import Step, backward_steps
from ..core.value import Value


def is_constant(v: Value) -> bool:
    """Whether ``v`` is a plain number the program used (the 2 in ``x * 2``), not a Value.

    Example:
        >>> from autograd_lite import Value
        >>> is_constant((Value(1.0) + 3).inputs[1])
        True
    """
    return type(v).__name__ == "_Constant"


def engine_steps(root: Value) -> list[Step]:
    """Every step of ``root``'s backward pass, as the engine runs it, with ``.grad`` left as it was.

    The steps are the engine's own (``backward_steps``), so their numbers
    are the ones ``backward()`` adds; every ``.grad`` in the graph is put
    back afterwards, also when a step raises. Registered hooks run, as they
    do in ``backward_steps()``: to be swapped for a pass-local, hook-free
    stepping call when the core provides one.

    Example:
        >>> from autograd_lite import Value
        >>> a = Value(3.0, label="a")
        >>> steps = engine_steps(a * a)
        >>> steps[0].contributions, a.grad
        ((3.0, 3.0), 0.0)
    """
    graph = topological_order(root)
    saved = [v.grad for v in graph]
    try:
        return list(backward_steps(root))
    finally:
        for v, grad in zip(graph, saved):
            v.grad = grad
