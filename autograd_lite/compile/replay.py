"""The Value a compiled call returns: the loss, with a ``backward()`` that replays.

A replayed call builds no graph. Its result is a leaf :class:`Replayed`
holding the numbers the replay saved; ``backward()`` runs the tier's
backward function and adds each parameter's (and each argument Value's)
gradient into its ``.grad``, exactly where eager ``backward()`` would.
Under ``create_graph`` or with hooks or a monitor installed, it instead
builds the eager graph and runs the engine's own backward.

Example:
    >>> import autograd_lite as ag
    >>> w = ag.Value(3.0)
    >>> step = ag.compile(lambda x: w * x)
    >>> loss = step(2.0); loss.backward(); w.grad
    2.0
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..core.value import Value
from . import _core


class Replayed(Value):
    """A compiled call's output: a leaf Value whose ``backward()`` replays the trace."""

    __slots__ = ("_backward", "_eager", "_targets")

    _backward: Callable[[float], Any]
    _targets: list[Value]
    _eager: Callable[[], Value]

    def backward(self, gradient: Any = 1.0, *, create_graph: bool = False) -> None:
        """Add this call's gradients into the parameters' ``.grad``, as eager ``backward()``.

        Example:
            >>> import autograd_lite as ag
            >>> w = ag.Value(2.0)
            >>> loss = ag.compile(lambda: w * w)(); loss.backward(); loss.backward(); w.grad
            8.0
        """
        if (
            create_graph
            or isinstance(gradient, Value)
            or _core.monitor_active()
            or _core.hooked(self._targets)
        ):
            # Hooks and monitors must see every node, and create_graph needs
            # the graph itself: rebuild it eagerly (params are read as now).
            self._eager().backward(gradient, create_graph=create_graph)
            self.grad = _add(self.grad, gradient)
            return
        seed = float(gradient)
        try:
            grads = self._backward(seed)
            total = sum(grads, 0.0)
        except ArithmeticError:  # numpy met what eager handles its own way (0 · inf, ...)
            total = math.nan
        if total - total != 0.0:
            # Some gradient is inf or NaN. The engine passes exactly 0 through
            # a zero local derivative even then (a masked 0 · inf); the replay
            # does not, so let the engine compute this pass.
            self._eager().backward(gradient)
            self.grad = _add(self.grad, seed)
            return
        for v, g in zip(self._targets, grads):
            old = v.grad
            v.grad = g if old is None else old + g
        self.grad = _add(self.grad, seed)


def _add(total: Any, g: Any) -> Any:
    return g if total is None else total + g


def make(
    data: float, backward: Callable[[float], Any], targets: list[Value], eager: Callable[[], Value]
) -> Replayed:
    """A :class:`Replayed` leaf with value ``data``."""
    out = Replayed(data)
    out._backward = backward
    out._targets = targets
    out._eager = eager
    return out
