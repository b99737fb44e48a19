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
from ..core.backward import WRITES, accumulate, backward, seed_of, write_grads
from ..core.ops import Op
from ..core.value import constant
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
    # A Value that is an input twice (an argument that is also a parameter) gets its
    # whole derivative at its first position and 0 at the others: the engine adds
    # every position's contribution, so it is counted once.
    distinct = list(dict.fromkeys(inputs))
    whole = dict(zip(distinct, gradients(out._eager(), distinct, create_graph=True)))
    return tuple(whole.pop(v) if v in whole else constant(0.0) for v in inputs)


class _CompiledOp(Op):
    __slots__ = ()
    #: Its Value derivatives come from an eager rebuild, not from the replayed numbers,
    #: so they may differ from them in the last bits (no GraphChangedError for that).
    verify_live = False


COMPILED = _CompiledOp("compiled", _no_forward, compiled_local, None)


class Replayed(Value):
    """A compiled call's output: a node over the parameters, with their local derivatives."""

    __slots__ = ("_eager", "_keep", "_replay", "_unique")

    _eager: Callable[[], Value]
    _replay: Callable[[float], Sequence[float]]  # the tier's backward for any seed
    _unique: bool  # no Value is an input twice
    _keep: list[int] | None  # which of the replay's targets are the inputs (None: all)

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise TypeError(
            "a compiled call's result cannot be pickled or copied (it stands for a replay);"
            " pickle the eager graph instead: step.eager(...)"
        )

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
        inputs = self.inputs
        if g == 1.0:
            local = self._local
        else:
            # The seed goes through the replay, as eager backward() sends it through
            # the graph (inf · 3 - inf · 3 is NaN there, not 0 · inf masked).
            local = _derivatives(self._replay, g, self._eager, inputs, self._keep)
        if self._unique:
            # The engine's arithmetic for a node over distinct leaves: each leaf's
            # pass gradient is 0.0 + local, added to its .grad; all at once.
            with WRITES:
                olds = [v.grad for v in inputs]
                if _FLOATS.issuperset(map(type, olds)):  # else: the checks below
                    totals = [old + (0.0 + d) for old, d in zip(olds, local)]
                    mine = accumulate(self.grad, g, self)
                    write_grads((*inputs, self), (*totals, mine), (*olds, self.grad))
                    return
        running: dict[Value, float] = {}
        for inp, d in zip(inputs, local):
            running[inp] = running.get(inp, 0.0) + d
        with WRITES:  # all or nothing, with the engine's checks and messages
            totals = [accumulate(v.grad, t, v) for v, t in running.items()]
            mine = accumulate(self.grad, g, self)
            write_grads((*running, self), (*totals, mine))


_FLOATS = frozenset({float})


def _derivatives(
    replay: Callable[[float], Sequence[float]],
    seed: float,
    eager: Callable[[], Value],
    inputs: tuple[Value, ...],
    keep: list[int] | None,
) -> tuple[float, ...]:
    """seed × ∂out/∂input per input, from the replay; from the eager graph where not finite.

    The eager graph masks a zero local derivative times an infinite one as
    the engine does; the replay's arrays would make NaN of it.
    """
    try:
        grads = replay(seed)
        local = tuple(grads) if keep is None else tuple(grads[i] for i in keep)
        total = sum(local, 0.0)
    except ArithmeticError:  # numpy met what eager handles its own way (0 · inf, ...)
        total = float("nan")
    if total - total == 0.0:
        return local
    out = eager()
    return tuple(gradients(out if seed == 1.0 else out * seed, list(inputs)))


def make(
    data: float,
    backward_fn: Callable[[float], Sequence[float]],
    targets: Sequence[Value],
    eager: Callable[[], Value],
    sink: Value | None = None,
) -> Replayed:
    """The :class:`Replayed` node for a call: value ``data``, inputs ``targets`` (less ``sink``).

    ``backward_fn(seed)`` gives seed × ∂data/∂target for each target (the
    replay's backward). ``sink`` marks targets that are not the caller's
    Values (float arguments).
    """
    keep = None if sink is None else [i for i, t in enumerate(targets) if t is not sink]
    inputs = tuple(targets) if keep is None else tuple(targets[i] for i in keep)
    out: Replayed = object.__new__(Replayed)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out.inputs = inputs
    out._op = COMPILED
    out._local = _derivatives(backward_fn, 1.0, eager, inputs, keep)
    out._eager = eager
    out._replay = backward_fn
    out._keep = keep
    out._unique = sink is None or len(set(inputs)) == len(inputs)
    return out
