"""The Value a compiled call returns: one graph node standing for the whole call.

A replayed call builds no graph of its own. Its result is a :class:`Replayed`
node whose inputs are the parameters (and argument Values) the call used,
and whose local derivatives, ∂loss/∂input, the tier's backward function
computed at once. So the result is a Value like any other: ``backward()``,
``ag.gradients``, ``ag.grad``, hooks and further arithmetic (a sum of
compiled losses, a regulariser added to one) all see the parameters behind
it and give what eager code gives.

``loss.backward()`` on the result itself takes a short route with the
engine's arithmetic (same order, same masking, all or nothing); anything
else goes through the engine. Under ``create_graph`` the call is rebuilt
eagerly, so second derivatives are exact.

Example:
    >>> import autograd_lite as ag
    >>> w = ag.Value(3.0)
    >>> step = ag.compile(lambda x: w * x)
    >>> loss = step(2.0); loss.backward(); w.grad
    2.0
    >>> (step(2.0) + 0.5 * w * w).backward(); w.grad   # 2 + (2 + 3)
    7.0
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..core import Value, gradients, has_hooks
from ..core.backward import accumulate, backward, seed_of
from ..core.ops import Op
from . import _core


def _no_forward(*xs: float) -> float:
    raise TypeError("the 'compiled' op stands for a replayed call; it cannot be applied anew")


def compiled_local(out: Any, *inputs: Any) -> tuple[Any, ...]:
    """∂out/∂input for a compiled call, rebuilt eagerly (``create_graph`` asks for Values).

    Example:
        >>> import autograd_lite as ag
        >>> w = ag.Value(3.0)
        >>> loss = ag.compile(lambda x: w * w * x)(2.0)
        >>> [d.data for d in compiled_local(loss, *loss.inputs)]
        [12.0]
    """
    if not isinstance(out, Replayed):  # a debugger's look at the op: nothing to rebuild
        return tuple(0.0 for _ in inputs)
    return tuple(gradients(out._eager(), list(inputs), create_graph=True))


class _CompiledOp(Op):
    __slots__ = ()
    #: Its Value derivatives come from an eager rebuild, not from the replayed numbers,
    #: so they may differ from them in the last bits (no GraphChangedError for that).
    verify_live = False


COMPILED = _CompiledOp("compiled", _no_forward, compiled_local, None)


class Replayed(Value):
    """A compiled call's output: a node over the parameters, with their local derivatives."""

    __slots__ = ("_eager", "_unique")

    _eager: Callable[[], Value]
    _unique: bool  # no Value is an input twice

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
            or has_hooks((self, *self.inputs))
        ):
            backward(self, gradient, create_graph=create_graph)
            return
        g = seed_of(gradient, False, "backward()")
        finite = g - g == 0.0
        if finite and self._unique:
            # The engine's arithmetic for a node over distinct leaves: each leaf's
            # pass gradient is 0.0 + local × g, added to its .grad. All or nothing:
            # a .grad that is not a number (None too) leaves it to the engine.
            inputs = self.inputs
            try:
                totals = [v.grad + (0.0 + d * g) for v, d in zip(inputs, self._local)]
                mine = self.grad + g
            except TypeError:
                backward(self, gradient)
                return
            for v, total in zip(inputs, totals):
                v.grad = total
            self.grad = mine
            return
        running: dict[Value, float] = {}
        for inp, d in zip(self.inputs, self._local):
            # The engine's arithmetic: a zero local derivative passes exactly 0.
            c = d * g if finite or d != 0.0 else 0.0
            running[inp] = running.get(inp, 0.0) + c
        totals = [(v, accumulate(v.grad, t, v)) for v, t in running.items()]
        mine = accumulate(self.grad, g, self)
        for v, total in totals:  # nothing failed: now write them all
            v.grad = total
        self.grad = mine


def make(
    data: float,
    backward_fn: Callable[[float], Sequence[float]],
    targets: Sequence[Value],
    eager: Callable[[], Value],
    sink: Value | None = None,
) -> Replayed:
    """The :class:`Replayed` node for a call: value ``data``, inputs ``targets`` (less ``sink``).

    ``backward_fn(1.0)`` gives ∂data/∂target for each target. Where it is
    not finite, the derivatives come from the eager graph instead, which
    masks a zero local derivative times an infinite one as the engine does.
    ``sink`` marks targets that are not Values of the caller's (float arguments).
    """
    keep = None if sink is None else [i for i, t in enumerate(targets) if t is not sink]
    inputs = tuple(targets) if keep is None else tuple(targets[i] for i in keep)
    try:
        grads = backward_fn(1.0)
        local: tuple[float, ...] = tuple(grads) if keep is None else tuple(grads[i] for i in keep)
        total = sum(local, 0.0)
    except ArithmeticError:  # numpy met what eager handles its own way (0 · inf, ...)
        total = float("nan")
    if total - total != 0.0:
        local = tuple(gradients(eager(), list(inputs)))
    out: Replayed = object.__new__(Replayed)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out.inputs = inputs
    out._op = COMPILED
    out._local = local
    out._eager = eager
    out._unique = sink is None or len(set(inputs)) == len(inputs)
    return out
