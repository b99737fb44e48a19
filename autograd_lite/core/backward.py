"""The backward pass: the chain rule, node by node, in reverse topological order.

For every node, from the output back to the leaves, the node's gradient is
complete (every node that consumes it came before it), so it can pass
``local × upstream`` on to each of its inputs. That is all ``backward()``
does; everything else here is about doing it safely:

* **Pass-local state.** Each pass keeps its running gradients to itself (a
  dict owned by the pass; the fast route uses a scratch slot on the nodes
  under a lock, and gives way to the dict route whenever the lock is taken),
  so passes nest and run in threads without touching each other.
* **One answer.** Every route uses the local derivatives the forward pass
  computed (with the op's named function, from the values it used) and adds
  contributions in the same order, so the fast route, hooks,
  ``detect_anomaly`` and ``backward_steps`` agree bit for bit, even after a
  leaf's ``.data`` changed. Under a debugger each node also calls its op's
  named local function, so that ``s`` lands in it.
* **All or nothing.** ``.grad`` is written only once the whole pass has
  succeeded.
* **Masking.** A local derivative of exactly 0 contributes exactly 0, even
  when the upstream gradient is inf or NaN (as PyTorch masks).

:func:`chain_rule` is the documented generator the inspection tools build on.

Example:
    >>> import autograd_lite as ag
    >>> x = ag.Value(2.0, label="x")
    >>> y = x * x * x
    >>> [(u.node.label or u.node.op, u.grad) for u in chain_rule(y)]
    [('*', 1.0), ('*', 2.0), ('x', 12.0)]
"""

from __future__ import annotations

import operator
import sys
import threading
from collections.abc import Iterator, Sequence
from numbers import Real
from typing import Any, NamedTuple

from . import mode as _modes
from .graph import backward_order
from .value import Value, constant, describe, has_hooks, hooks_of, to_float

_mode = _modes.mode
_data_of = operator.attrgetter("data")


class GraphChangedError(RuntimeError):
    """``create_graph`` needs a node's values as the forward pass saw them, and one changed.

    Float backward passes always use the values the forward pass used; only
    a pass that records derivatives as Values (``create_graph=True``) has to
    read the live Values, and it refuses when their data has changed.

    Example:
        >>> issubclass(GraphChangedError, RuntimeError)
        True
    """


class Update(NamedTuple):
    """One node's chain-rule update, as :func:`chain_rule` yields it.

    Attributes:
        node: the node whose gradient is now complete.
        grad: ∂output/∂node for this pass (after any hook replaced it).
        local_grads: ∂node/∂input for each input.
        contributions: what was added to each input's gradient (local × grad).
        input_grads: each input's gradient so far in this pass, that addition included.

    Example:
        >>> import autograd_lite as ag
        >>> x = ag.Value(3.0)
        >>> first = next(chain_rule(x * 2)); first.local_grads, first.contributions
        ((2.0, 3.0), (2.0, 3.0))
    """

    node: Value
    grad: Any
    local_grads: tuple[Any, ...]
    contributions: tuple[Any, ...]
    input_grads: tuple[Any, ...]


def seed_of(gradient: Any, create_graph: bool, what: str) -> Any:
    """The seed ∂E/∂output as the pass uses it: a float, or a Value under create_graph.

    Under ``create_graph`` a number becomes a constant Value, so that every
    gradient of the pass is a Value (differentiable again), also along a path
    of constant slopes (``y = 2 * x``).

    Example:
        >>> seed_of(2, False, "backward()")
        2.0
        >>> seed_of(2, True, "backward()")
        Value(data=2.0, grad=0.0, op='', label='')
    """
    if isinstance(gradient, Value):
        return gradient if create_graph else gradient.data
    seed = to_float(gradient, what)
    return constant(seed) if create_graph else seed


def _plain(order: list[Value], create_graph: bool) -> bool:
    """Whether the fast route may run: floats, nothing watching, no hooks (and no debugger)."""
    if create_graph or (_modes.special and not _mode.plain):
        return False
    return not has_hooks(order)


# --- the fast route ------------------------------------------------------------

#: Held while the fast route uses the nodes' scratch slots. An RLock for its owner
#: record only (``_is_owned``): it is never taken twice, so a pass nested on the
#: same thread (a user op's local) takes the dict route, and a Ctrl-C landing right
#: after the acquire still finds the lock to release.
_FAST = threading.RLock()
#: Held while a pass reads and writes ``.grad``: concurrent backward() calls on
#: shared parameters add up, none is lost. Reentrant, for a pass inside a pass.
WRITES = threading.RLock()
_FLOATS = frozenset({float})


def _fast(order: list[Value], seed: float, accumulate: bool) -> bool:
    """The chain rule for the common case, in the nodes' ``_g`` scratch slots.

    With ``accumulate``, each node's gradient is added into its ``.grad`` as
    soon as it is complete; if a ``.grad`` is not a number, every ``.grad``
    is put back and the pass says it did not finish (False).

    The caller holds ``_FAST``: no other pass uses the slots meanwhile, and
    nothing in here runs user code that could start one on this thread
    except a user op's local function, whose pass then takes the dict route.
    """
    for node in order:
        node._g = 0.0
    order[0]._g = seed
    olds = [node.grad for node in order] if accumulate else []
    if accumulate and not _FLOATS.issuperset(map(type, olds)):
        return False  # a .grad that is not a float (None, a Value, an array): the general route
    try:
        for node in order:
            g = node._g
            if accumulate:
                node.grad += g
            inputs = node.inputs
            if not inputs:
                continue
            local = node._local
            if g - g == 0.0:  # a finite upstream gradient: the plain chain rule
                # Binary and unary ops are unrolled (they are most nodes, and a
                # zip per node costs as much as the arithmetic); n-ary ones loop.
                n = len(inputs)
                if n == 2:
                    a, b = inputs
                    local_a, local_b = local
                    a._g += local_a * g
                    b._g += local_b * g
                elif n == 1:
                    inputs[0]._g += local[0] * g
                else:
                    for inp, d in zip(inputs, local):
                        inp._g += d * g
            else:  # inf or NaN upstream: a zero local derivative still passes exactly 0
                for inp, d in zip(inputs, local):
                    inp._g += d * g if d != 0.0 else 0.0
    except BaseException as exc:  # all or nothing: undo every .grad written so far
        for node, old in zip(order, olds):
            node.grad = old
        if isinstance(exc, TypeError):  # a .grad that is not a number: the general
            return False  # route takes over, and says why
        raise  # Ctrl-C, MemoryError: nothing was changed
    return True


# --- the general route ---------------------------------------------------------


class _Running(threading.local):
    def __init__(self) -> None:
        self.hooks: set[int] = set()


_running = _Running()


def _same(a: float, b: float) -> bool:
    return a is b or a == b or (a != a and b != b)


def _live_local(node: Value) -> tuple[Any, ...]:
    """The local derivatives as Values (create_graph), refusing if they no longer agree.

    They are recomputed from the live Values, so that they can be
    differentiated; if a ``.data`` changed since the forward pass and the
    derivatives with it, the graph no longer describes one computation.
    """
    # Constants go in as the numbers they are, so no derivative is recorded for them.
    local = node._op.local(node, *[i.data if i.is_constant else i for i in node.inputs])
    if not getattr(node._op, "verify_live", True):
        return local  # derivatives rebuilt another way (a compiled call, eagerly): not compared
    then = node._local
    if not all(_same(d.data if isinstance(d, Value) else d, t) for d, t in zip(local, then)):
        now = ", ".join(describe(inp) for inp in node.inputs)
        raise GraphChangedError(
            f"backward(create_graph=True) through {node.op}: its inputs changed since the"
            f" forward pass (now {now}), so its local derivatives are no longer the ones"
            f" the forward pass computed ({', '.join(map(repr, then))}). Recompute the"
            f" forward pass, or call backward() without create_graph (it uses the"
            f" forward pass's derivatives)"
        )
    return local


def _contribution(local: Any, grad: Any, create_graph: bool) -> Any:
    """local × upstream; exactly 0 where the local derivative is exactly 0."""
    if type(local) is float:
        if local == 0.0:
            return 0.0
        if local == 1.0 and create_graph:
            return grad  # record no multiplication by exactly 1
    elif create_graph and local.data == 0.0:
        # A derivative Value that is 0 here: with a finite upstream gradient the
        # product keeps its own derivative (for the next order); with an inf or
        # NaN one it is masked to exactly 0, as on the float routes (and torch).
        upstream = grad.data if isinstance(grad, Value) else grad
        if upstream - upstream != 0.0:
            return 0.0
    return local * grad


def _as_value(c: Any) -> Any:
    """A contribution under create_graph: a Value, also where it is an exact (masked) 0."""
    return c if isinstance(c, Value) else constant(c)


def _call_hooks(node: Value, grad: Any, create_graph: bool) -> Any:
    """Run the node's hooks in order; a hook never runs inside itself."""
    running = _running.hooks
    for hook in tuple(hooks_of(node) or ()):
        key = id(hook)
        if key in running:
            continue
        running.add(key)
        try:
            replaced = hook(grad)
        finally:
            running.discard(key)
        if replaced is not None:
            grad = replaced if create_graph else to_float(replaced, "a hook's result")
    return grad


def _update(node: Value, grads: dict[Value, Any], create_graph: bool, hooks: bool) -> Any:
    """One node's chain-rule update: the frame a debugger lands in on the readable route.

    ``grads`` holds this pass's running gradients (it belongs to the pass).
    Returns ``(node, grad, local, contributions, input_grads)``: ``input_grads``
    holds each input's gradient so far in this pass, this contribution included.
    """
    grad = grads.pop(node)  # ∂output/∂node, complete: every node that uses it came before
    if hooks and getattr(node, "_hooks", None):
        grad = _call_hooks(node, grad, create_graph)
    if sys.gettrace() is not None and node.inputs:  # under a debugger, `s` lands in the op's
        node._op.local(node.data, *map(_data_of, node.inputs))  # own named local function
    if create_graph:
        # Constants' gradients are never read: recording them would only add
        # nodes (NaN ones, for the exponent of a negative base).
        local = _live_local(node) if node.inputs else ()
        contributions = tuple(
            0.0 if inp.is_constant else _as_value(_contribution(d, grad, True))
            for inp, d in zip(node.inputs, local)
        )
    else:
        local = node._local  # ∂node/∂input, as the forward pass computed them
        contributions = tuple(_contribution(d, grad, False) for d in local)
    so_far = []
    for inp, c in zip(node.inputs, contributions):  # the chain rule: local × upstream
        before = grads.get(inp)
        if before is None:
            grads[inp] = c if create_graph else 0.0 + c
        else:
            grads[inp] = before + c
        so_far.append(grads[inp])
    if _modes.special and _mode.monitor is not None:
        _mode.monitor.backward(node, grad, contributions)
    return node, grad, local, contributions, tuple(so_far)


def _start(
    root: Value, gradient: Any, create_graph: bool, what: str
) -> tuple[list[Value], dict[Value, Any], bool]:
    """All that comes before the first update: the seed, the order, whether the fast route may run.

    It runs untraced, so a debugger's ``s`` goes from ``backward()`` straight
    to the first node's update instead of through the sort.
    """
    tracer = sys.gettrace()
    sys.settrace(None)
    try:
        if not isinstance(root, Value):
            raise TypeError(f"{what} needs a Value to start from, got {describe(root)}")
        seed = seed_of(gradient, create_graph, what)
        order = backward_order(root)
        plain = tracer is None and _plain(order, create_graph)
        return order, {root: seed}, plain
    finally:
        sys.settrace(tracer)


def _passes(
    order: list[Value], grads: dict[Value, Any], create_graph: bool, hooks: bool
) -> Iterator[tuple[Any, ...]]:
    """The chain rule one node at a time; yields :class:`Update`'s fields as tuples."""
    for node in order:
        yield _update(node, grads, create_graph, hooks)


def accumulate(total: Any, grad: Any, node: Value) -> Any:
    """``total + grad`` for a ``.grad``: None counts as no gradient yet.

    Example:
        >>> accumulate(None, 2.0, Value(1.0)), accumulate(1.0, 2.0, Value(1.0))
        (2.0, 3.0)
    """
    if total is None:
        return grad
    if type(total) is float and total == 0.0 and isinstance(grad, Value):
        return grad
    if not isinstance(total, (Real, Value)):  # an array would broadcast, or be added in place
        raise TypeError(
            f"backward() cannot add a gradient to {describe(node)}: its .grad is"
            f" {type(total).__name__} {total!r:.60}, not a number (set it to 0.0 or None)"
        )
    try:
        return total + grad
    except TypeError:
        raise TypeError(
            f"backward() cannot add a gradient to {describe(node)}: its .grad is"
            f" {type(total).__name__} {total!r:.60}, not a number (set it to 0.0 or None)"
        ) from None


# --- the public passes -----------------------------------------------------------


def chain_rule(
    root: Value, gradient: Any = 1.0, *, create_graph: bool = False, hooks: bool = False
) -> Iterator[Update]:
    """The backward pass as a generator of :class:`Update` records; no ``.grad`` is touched.

    Each ``next()`` completes one node (output first) and passes its
    contributions on. The running gradients belong to this generator alone,
    so it can be paused while other passes run. User hooks run only with
    ``hooks=True``. This is what ``backward_steps``, ``explain`` and the
    stepper are built on.

    Example:
        >>> import autograd_lite as ag
        >>> a = ag.Value(3.0, label="a")
        >>> [u.grad for u in chain_rule(a.exp().log())]
        [1.0, 0.049787068367863944, 1.0]
    """
    order, grads, _ = _start(root, gradient, create_graph, "chain_rule()")
    return map(Update._make, _passes(order, grads, create_graph, hooks))


def backward(root: Value, gradient: Any = 1.0, *, create_graph: bool = False) -> None:
    """Fill ``.grad`` on every node of the graph by the chain rule (``Value.backward``).

    Gradients accumulate: each call adds this pass's gradients to ``.grad``
    (a second call on the same graph adds exactly the same amounts again;
    nothing from earlier passes is propagated twice). It is all or nothing:
    if it raises (a hook, ``detect_anomaly``, a ``.grad`` that is not a
    number), every ``.grad`` is as it was. ``.grad = None`` counts as 0.

    Args:
        gradient: the seed ∂E/∂self (1.0 for a scalar loss).
        create_graph: record the backward pass itself, so the gradients
            are Values that can be differentiated again.

    Example:
        >>> from autograd_lite import Value
        >>> x = Value(3.0); y = x ** 2
        >>> y.backward(create_graph=True)
        >>> x.grad.data
        6.0
        >>> first = x.grad; x.grad = 0.0     # keep dy/dx = 2x, start afresh
        >>> first.backward(); x.grad         # d(2x)/dx
        2.0
    """
    order, grads, plain = _start(root, gradient, create_graph, "backward()")
    if plain and _fast_backward(order, grads[root]):
        return
    updates = []  # the readable route: under a debugger, `s` goes into _update
    for node in order:
        updates.append(_update(node, grads, create_graph, True))
    with WRITES:
        totals = [accumulate(node.grad, grad, node) for node, grad, *_ in updates]
        write_grads([update[0] for update in updates], totals)  # nothing failed: all at once


def write_grads(
    nodes: Sequence[Value], totals: Sequence[Any], olds: Sequence[Any] | None = None
) -> None:
    """Set each node's ``.grad`` to its total, all or nothing (call it holding ``WRITES``).

    An exception midway (a Ctrl-C between two writes) puts back every
    ``.grad`` already written before it propagates. ``olds``: the ``.grad``
    values the caller already read (read here otherwise).

    Example:
        >>> a, b = Value(1.0), Value(2.0)
        >>> write_grads([a, b], [0.5, 0.25]); (a.grad, b.grad)
        (0.5, 0.25)
    """
    if olds is None:
        olds = [node.grad for node in nodes]
    try:
        for node, total in zip(nodes, totals):
            node.grad = total
    except BaseException:
        for node, old in zip(nodes, olds):
            node.grad = old
        raise


def _fast_backward(order: list[Value], seed: float) -> bool:
    """The fast route, if its lock is free; False if it could not (or must not) finish."""
    if _FAST._is_owned():  # type: ignore[attr-defined]
        return False  # this thread's own pass has the slots (a user op's local)
    try:
        if not _FAST.acquire(blocking=False):
            return False  # another thread's pass has the slots
        with WRITES:
            return _fast(order, seed, accumulate=True)
    finally:
        if _FAST._is_owned():  # type: ignore[attr-defined]  # ours: also after a Ctrl-C
            _FAST.release()


def gradients(output: Value, wrt: Sequence[Value], *, create_graph: bool = False) -> list[Any]:
    """∂output/∂w for each ``w`` in ``wrt``, without touching any ``.grad``.

    This is what the functional API (``grad``, ``value_and_grad``) is built
    on. A ``w`` the output does not depend on gets 0.0. Hooks run, as in
    ``backward()``.

    Example:
        >>> import autograd_lite as ag
        >>> x, y = ag.Value(2.0), ag.Value(5.0)
        >>> ag.gradients(x * y, [x, y])
        [5.0, 2.0]
    """
    wrt = list(wrt)
    for w in wrt:
        if not isinstance(w, Value):
            raise TypeError(f"gradients() needs Values to differentiate by, got {describe(w)}")
    if not isinstance(output, Value):
        raise TypeError(f"gradients() needs a Value output, got {describe(output)}")
    seed = Value(1.0) if create_graph else 1.0
    order, grads, plain = _start(output, seed, create_graph, "gradients()")
    if plain and not _FAST._is_owned():  # type: ignore[attr-defined]
        try:
            if _FAST.acquire(blocking=False):
                for w in wrt:
                    w._g = None  # not reached unless the pass sets it
                _fast(order, 1.0, accumulate=False)
                return [0.0 if w._g is None else w._g for w in wrt]
        finally:
            if _FAST._is_owned():  # type: ignore[attr-defined]  # ours: also after a Ctrl-C
                _FAST.release()
    wanted = set(wrt)
    found = {}
    for node in order:
        update = _update(node, grads, create_graph, True)
        if node in wanted:
            found[node] = update[1]
    return [found.get(w, 0.0) for w in wrt]


Value.backward = backward  # type: ignore[method-assign,assignment]
