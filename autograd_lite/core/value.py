"""``Value``: a float that records how it was computed, and ``backward()``.

Every arithmetic operation on a ``Value`` returns a new ``Value`` that keeps
its inputs (``.inputs``, in operand order), the operation's name (``.op``) and
the local derivatives ∂out/∂input (computed once, by the functions in
:mod:`autograd_lite.ops`). ``backward()`` then walks the recorded graph in
reverse topological order and applies the chain rule along every edge:
``input.grad += local · upstream``.

Equality and hashing are by identity, so Values work as dict keys and set
members; ``<``, ``<=``, ``>``, ``>=`` compare ``.data``.

Example:
    >>> from autograd_lite import Value
    >>> x = Value(3.0, label="x")
    >>> y = x * x + 2 * x
    >>> y.backward()
    >>> x.grad                      # dy/dx = 2x + 2
    8.0
"""

from __future__ import annotations

import builtins
import functools
import math
import operator
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from numbers import Real
from typing import TYPE_CHECKING, Any, TypeVar

from .graph import backward_order, nodes
from .ops import (
    LOCALS,
    abs_local,
    add_local,
    cos_local,
    div_local,
    dot_local,
    exp_local,
    identity_local,
    log_local,
    mul_local,
    neg_local,
    pow_local,
    power,
    relu_local,
    sigmoid_local,
    sin_local,
    sqrt_local,
    sub_local,
    sum_local,
    tanh_local,
)

if TYPE_CHECKING:
    from .steps import Step

Operand = Any  # a Value, or a real number that will be wrapped as a constant
F = TypeVar("F", bound=Callable[..., Any])


# --- recording mode (per thread) -------------------------------------------


class _Mode(threading.local):
    """Per-thread switches: recording on or off, and an optional monitor.

    ``plain`` caches "recording, and nothing watching". Reading a
    thread-local costs more than the rest of a small op, so the hot path
    first reads the global ``_SPECIAL``: the number of threads not in plain
    mode. While it is 0, no thread-local is read at all.
    """

    recording: bool = True
    monitor: Any = None  # an object with forward(out, op, inputs) / backward(...)
    plain: bool = True

    def refresh(self) -> None:
        """Recompute ``plain`` after changing ``recording`` or ``monitor``."""
        global _SPECIAL
        plain = self.recording and self.monitor is None
        if plain != self.plain:
            with _SPECIAL_LOCK:
                _SPECIAL += -1 if plain else 1
            self.plain = plain


_SPECIAL = 0
_SPECIAL_LOCK = threading.Lock()
_mode = _Mode()

#: Gradient hooks by node; kept outside the node so Values stay small.
_HOOKS: weakref.WeakKeyDictionary[Value, list[Callable[[Any], Any]]] = weakref.WeakKeyDictionary()


def is_grad_enabled() -> bool:
    """Whether operations in this thread are being recorded.

    Example:
        >>> import autograd_lite as ag
        >>> with ag.no_grad():
        ...     ag.is_grad_enabled()
        False
    """
    return _mode.recording


class _GradMode:
    """Context manager and decorator that sets recording on or off for this thread."""

    _enabled: bool

    def __init__(self) -> None:
        self._saved: list[bool] = []

    def __enter__(self) -> None:
        self._saved.append(_mode.recording)
        _mode.recording = self._enabled
        _mode.refresh()

    def __exit__(self, *exc: object) -> None:
        _mode.recording = self._saved.pop()
        _mode.refresh()

    def __call__(self, fn: F) -> F:
        mode = type(self)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with mode():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):
    """Record nothing: results are plain leaves with no history (fast inference).

    Works as a context manager and as a decorator, and only affects the
    current thread.

    Example:
        >>> import autograd_lite as ag
        >>> x = ag.Value(2.0)
        >>> with ag.no_grad():
        ...     y = x * x
        >>> y.inputs
        ()
    """

    _enabled = False


class enable_grad(_GradMode):
    """Record operations again inside a ``no_grad`` region.

    Example:
        >>> import autograd_lite as ag
        >>> with ag.no_grad(), ag.enable_grad():
        ...     len((ag.Value(1.0) + 1).inputs)
        2
    """

    _enabled = True


# --- conversion of user input ----------------------------------------------


def _to_float(x: object, what: str) -> float:
    """Turn a real number (int, float, bool, Fraction, numpy scalar) into a float."""
    kind = type(x)
    if kind is float:
        return x  # type: ignore[return-value]
    if kind is int or kind is bool:
        return float(x)  # type: ignore[arg-type]
    if isinstance(x, Value):
        raise TypeError(f"{what} got a Value where a number was expected; use .data or .detach()")
    if isinstance(x, Real):
        return float(x)
    dtype = getattr(x, "dtype", None)  # numpy bool_ and 0-d numeric arrays
    if dtype is not None and getattr(x, "shape", None) == () and dtype.kind in "biuf":
        return float(x)  # type: ignore[arg-type]
    raise TypeError(f"{what} needs a real number, got {kind.__name__} {x!r}")


def _describe(v: Value) -> str:
    """Short form for error messages: Value(data=-1.0, label='x')."""
    label = f", label={v.label!r}" if v.label else ""
    return f"Value(data={v.data!r}{label})"


# --- the Value class -------------------------------------------------------

_new = object.__new__


class Value:
    """A scalar that records the operations applied to it.

    Attributes:
        data: the float value.
        grad: ∂(output)/∂(this node) after ``backward()``; 0.0 before. A
            ``Value`` after ``backward(create_graph=True)``.
        label: an optional name, shown by ``repr``, drawings and ``explain``.
        op: the operation that produced this node ("" for a leaf).
        inputs: the operands of that operation, in order (() for a leaf).

    Example:
        >>> x = Value(2.0, label="x")
        >>> y = (x * 3).relu()
        >>> y.backward(); x.grad
        3.0
    """

    __slots__ = ("__weakref__", "_g", "_local", "data", "grad", "inputs", "label", "op")

    # numpy must hand mixed operations back to us (np.float64(2) * Value(3)
    # is a Value), rather than turning the Value into a float.
    __array_ufunc__ = None

    data: float
    grad: Any
    label: str
    op: str
    inputs: tuple[Value, ...]
    _local: tuple[Any, ...]
    _g: Any

    def __init__(self, data: Any, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__} {label!r}")
        self.data = _to_float(data, "Value()")
        self.grad = 0.0
        self.label = label
        self.op = ""
        self.inputs = ()
        self._local = ()

    # -- presentation --

    def __repr__(self) -> str:
        grad = self.grad
        shown = f"Value({grad.data!r})" if isinstance(grad, Value) else repr(grad)
        return f"Value(data={self.data!r}, grad={shown}, op={self.op!r}, label={self.label!r})"

    def __format__(self, spec: str) -> str:
        return format(self.data, spec) if spec else repr(self)

    def __float__(self) -> float:
        return self.data

    def __bool__(self) -> bool:
        return self.data != 0.0

    def item(self) -> float:
        """The float value, as in PyTorch.

        Example:
            >>> Value(2.5).item()
            2.5
        """
        return self.data

    @property
    def is_leaf(self) -> bool:
        """True for a node no operation produced (an input or a parameter).

        Example:
            >>> Value(1.0).is_leaf, (Value(1.0) + 1).is_leaf
            (True, False)
        """
        return not self.inputs

    # -- comparisons look at the data; == and hash stay identity --

    def __lt__(self, other: Operand) -> bool:
        return self.data < _compare_operand(other)

    def __le__(self, other: Operand) -> bool:
        return self.data <= _compare_operand(other)

    def __gt__(self, other: Operand) -> bool:
        return self.data > _compare_operand(other)

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _compare_operand(other)

    __eq__ = object.__eq__
    __hash__ = object.__hash__

    # -- arithmetic: wrap the other operand, compute, record the local derivatives --
    # A reflected operator (2 * x) wraps the number and hands over to the
    # forward one, so the inputs stay in operand order: (2, x).

    def __add__(self, other: Operand) -> Any:
        b = other if type(other) is Value else _operand(other)
        if b is None:
            return _elementwise(operator.add, self, other)
        x, y = self.data, b.data
        out = x + y
        return _node(out, (self, b), "+", add_local(out, x, y))

    def __radd__(self, other: Operand) -> Any:
        a = _operand(other)
        return a.__add__(self) if a is not None else _elementwise(operator.add, other, self)

    def __sub__(self, other: Operand) -> Any:
        b = other if type(other) is Value else _operand(other)
        if b is None:
            return _elementwise(operator.sub, self, other)
        x, y = self.data, b.data
        out = x - y
        return _node(out, (self, b), "-", sub_local(out, x, y))

    def __rsub__(self, other: Operand) -> Any:
        a = _operand(other)
        return a.__sub__(self) if a is not None else _elementwise(operator.sub, other, self)

    def __mul__(self, other: Operand) -> Any:
        b = other if type(other) is Value else _operand(other)
        if b is None:
            return _elementwise(operator.mul, self, other)
        x, y = self.data, b.data
        out = x * y
        return _node(out, (self, b), "*", mul_local(out, x, y))

    def __rmul__(self, other: Operand) -> Any:
        a = _operand(other)
        return a.__mul__(self) if a is not None else _elementwise(operator.mul, other, self)

    def __truediv__(self, other: Operand) -> Any:
        b = other if type(other) is Value else _operand(other)
        if b is None:
            return _elementwise(operator.truediv, self, other)
        x, y = self.data, b.data
        if y == 0.0:
            raise ZeroDivisionError(f"division by zero in /: {_describe(self)} / {_describe(b)}")
        out = x / y
        return _node(out, (self, b), "/", div_local(out, x, y))

    def __rtruediv__(self, other: Operand) -> Any:
        a = _operand(other)
        return a.__truediv__(self) if a is not None else _elementwise(operator.truediv, other, self)

    def __pow__(self, other: Operand, modulo: None = None) -> Any:
        if modulo is not None:
            raise TypeError("pow() with a modulus is not defined for Values")
        b = other if type(other) is Value else _operand(other)
        if b is None:
            return _elementwise(operator.pow, self, other)
        x, y = self.data, b.data
        if x < 0.0 and not y.is_integer():
            raise ValueError(
                f"** cannot raise a negative base to a fractional power: "
                f"{_describe(self)} ** {_describe(b)}"
            )
        if x == 0.0 and y < 0.0:
            raise ZeroDivisionError(
                f"** cannot raise zero to a negative power: {_describe(self)} ** {_describe(b)}"
            )
        out = power(x, y)
        return _node(out, (self, b), "**", pow_local(out, x, y))

    def __rpow__(self, other: Operand) -> Any:
        a = _operand(other)
        return a.__pow__(self) if a is not None else _elementwise(operator.pow, other, self)

    def __neg__(self) -> Value:
        x = self.data
        out = -x
        return _node(out, (self,), "neg", neg_local(out, x))

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        x = self.data
        out = abs(x)
        return _node(out, (self,), "abs", abs_local(out, x))

    # -- elementary functions --

    def exp(self) -> Value:
        """eˣ (inf past the float range, as in IEEE arithmetic).

        Example:
            >>> round(Value(1.0).exp().data, 6)
            2.718282
        """
        x = self.data
        try:
            out = math.exp(x)
        except OverflowError:
            out = math.inf
        return _node(out, (self,), "exp", exp_local(out, x))

    def log(self) -> Value:
        """Natural logarithm; raises ValueError for x <= 0.

        Example:
            >>> Value(1.0).log().data
            0.0
        """
        x = self.data
        if x <= 0.0:
            raise ValueError(f"log() needs a positive value, got {_describe(self)}")
        out = math.log(x)
        return _node(out, (self,), "log", log_local(out, x))

    def sqrt(self) -> Value:
        """Square root; raises ValueError for x < 0.

        Example:
            >>> Value(9.0).sqrt().data
            3.0
        """
        x = self.data
        if x < 0.0:
            raise ValueError(f"sqrt() needs a non-negative value, got {_describe(self)}")
        out = math.sqrt(x)
        return _node(out, (self,), "sqrt", sqrt_local(out, x))

    def tanh(self) -> Value:
        """Hyperbolic tangent (saturates cleanly, no overflow).

        Example:
            >>> Value(1e6).tanh().data
            1.0
        """
        x = self.data
        out = math.tanh(x)
        return _node(out, (self,), "tanh", tanh_local(out, x))

    def sigmoid(self) -> Value:
        """Logistic function 1 / (1 + e⁻ˣ), computed without overflow for any x.

        Example:
            >>> Value(0.0).sigmoid().data
            0.5
        """
        x = self.data
        if x >= 0.0:
            out = 1.0 / (1.0 + math.exp(-x))
        else:  # e^x cannot overflow here, while e^-x could
            e = math.exp(x)
            out = e / (1.0 + e)
        return _node(out, (self,), "sigmoid", sigmoid_local(out, x))

    def relu(self) -> Value:
        """max(0, x); NaN stays NaN.

        Example:
            >>> Value(-2.0).relu().data, Value(2.0).relu().data
            (0.0, 2.0)
        """
        x = self.data
        out = 0.0 if x <= 0.0 else x
        return _node(out, (self,), "relu", relu_local(out, x))

    def sin(self) -> Value:
        """Sine.

        Example:
            >>> Value(0.0).sin().data
            0.0
        """
        x = self.data
        out = math.sin(x)
        return _node(out, (self,), "sin", sin_local(out, x))

    def cos(self) -> Value:
        """Cosine.

        Example:
            >>> Value(0.0).cos().data
            1.0
        """
        x = self.data
        out = math.cos(x)
        return _node(out, (self,), "cos", cos_local(out, x))

    # -- graph utilities --

    def identity(self) -> Value:
        """A new node equal to this one (∂/∂self = 1): a separate handle on the same number.

        The functional API differentiates with respect to such handles, so
        that ``grad(f)(x)`` means ∂f/∂(this argument) even when ``x`` also
        appears elsewhere.

        Example:
            >>> x = Value(2.0); y = x.identity()
            >>> y.data, y.inputs == (x,)
            (2.0, True)
        """
        x = self.data
        return _node(x, (self,), "identity", identity_local(x, x))

    def detach(self) -> Value:
        """The same number as a fresh leaf, with no history.

        Example:
            >>> y = (Value(2.0) * 3).detach()
            >>> y.data, y.inputs
            (6.0, ())
        """
        return Value(self.data, self.label)

    def zero_grad(self) -> None:
        """Set ``.grad = 0.0`` on every node of this node's graph (iteratively).

        Example:
            >>> x = Value(2.0); y = x * x; y.backward(); y.zero_grad()
            >>> x.grad
            0.0
        """
        for node in nodes(self):
            node.grad = 0.0

    def register_hook(self, fn: Callable[[Any], Any]) -> HookHandle:
        """Call ``fn(grad)`` when backward reaches this node.

        ``grad`` is this pass's gradient of the output with respect to the
        node (a float; a Value under ``create_graph=True``). Hooks run in
        backward order; if ``fn`` returns something other than None, that
        replaces the gradient (as in PyTorch).

        Returns:
            A handle whose ``.remove()`` unregisters the hook.

        Example:
            >>> x = Value(2.0); seen = []
            >>> handle = x.register_hook(seen.append)
            >>> (x * 5).backward(); seen
            [5.0]
            >>> handle.remove()
        """
        if not callable(fn):
            raise TypeError(f"register_hook() needs a callable, got {type(fn).__name__} {fn!r}")
        hooks = _HOOKS.setdefault(self, [])
        hooks.append(fn)
        return HookHandle(self, fn)

    def backward(self, gradient: Any = 1.0, *, create_graph: bool = False) -> None:
        """Fill ``.grad`` on every node of the graph by the chain rule.

        Gradients accumulate: each call adds this pass's gradients to
        ``.grad`` (a second call on the same graph adds exactly the same
        amounts again; nothing from earlier passes is propagated twice).

        Args:
            gradient: the seed ∂E/∂self (1.0 for a scalar loss).
            create_graph: record the backward pass itself, so the gradients
                are Values that can be differentiated again.

        Example:
            >>> x = Value(3.0); y = x ** 2
            >>> y.backward(create_graph=True)
            >>> x.grad.data
            6.0
            >>> first = x.grad; x.grad = 0.0     # keep dy/dx = 2x, start afresh
            >>> first.backward(); x.grad         # d(2x)/dx
            2.0
        """
        seed: Any
        if isinstance(gradient, Value):
            seed = gradient if create_graph else gradient.data
        else:
            seed = _to_float(gradient, "backward()")
        order = backward_order(self)
        if create_graph or _HOOKS or (_SPECIAL and not _mode.plain):
            for _ in _chain_rule(order, seed, create_graph, accumulate=True):
                pass
        else:
            _chain_rule_fast(order, seed, accumulate=True)

    def backward_steps(self, gradient: Any = 1.0, *, create_graph: bool = False) -> Iterator[Step]:
        """``backward()`` one node at a time: a generator of chain-rule steps.

        Each ``next()`` applies one node's update and yields a
        :class:`~autograd_lite.debug.Step` (``node``, ``grad``, ``inputs``,
        ``local_grads``, ``contributions``; ``str(step)`` reads as the chain
        rule). Exhausting it leaves exactly the gradients ``backward()`` gives.

        Example:
            >>> x = Value(3.0, label="x")
            >>> for step in (x * x).backward_steps():
            ...     print(step)
            [1/2] x*x, grad=1.0: x.grad += 3.0 × 1.0 = 3.0; x.grad += 3.0 × 1.0 = 3.0
            [2/2] x, grad=6.0: a leaf, nothing left to pass back
        """
        from .steps import backward_steps  # steps builds on this module

        return backward_steps(self, gradient, create_graph=create_graph)


class _Constant(Value):
    """A plain number used in an operation (the 2 in ``x * 2``).

    It is an ordinary leaf in the graph; the subclass only lets drawings and
    the anomaly detector tell it apart from the user's own Values.
    """

    __slots__ = ()


class HookHandle:
    """Returned by :meth:`Value.register_hook`; ``remove()`` unregisters the hook.

    Example:
        >>> x = Value(1.0)
        >>> h = x.register_hook(print); h.remove(); h.remove()   # idempotent
    """

    __slots__ = ("_fn", "_node")

    def __init__(self, node: Value, fn: Callable[[Any], Any]) -> None:
        self._node: weakref.ref[Value] = weakref.ref(node)
        self._fn = fn

    def remove(self) -> None:
        """Unregister the hook (doing nothing if it is already gone)."""
        node = self._node()
        hooks = _HOOKS.get(node) if node is not None else None
        if hooks and self._fn in hooks:
            hooks.remove(self._fn)
            if not hooks:
                del _HOOKS[node]  # type: ignore[arg-type]


# --- building nodes --------------------------------------------------------


def _node(data: float, inputs: tuple[Value, ...], op: str, local: tuple[Any, ...]) -> Value:
    """Make an operation's result node (or a bare leaf when not recording)."""
    out: Value = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    if not _SPECIAL:
        out.inputs = inputs
        out.op = op
        out._local = local
        return out
    mode = _mode
    if mode.plain:
        out.inputs = inputs
        out.op = op
        out._local = local
        return out
    if mode.recording:
        out.inputs = inputs
        out.op = op
        out._local = local
    else:
        out.inputs = ()
        out.op = ""
        out._local = ()
    if mode.monitor is not None:
        mode.monitor.forward(out, op, inputs)
    return out


def _constant(x: float) -> Value:
    c: Value = _new(_Constant)
    c.data = x
    c.grad = 0.0
    c.label = ""
    c.op = ""
    c.inputs = ()
    c._local = ()
    return c


def _operand(x: object) -> Value | None:
    """A Value for the other side of an operator; None for a numpy array."""
    if isinstance(x, Value):
        return x
    kind = type(x)
    if kind is float or kind is int:
        return _constant(float(x))  # type: ignore[arg-type]
    if getattr(x, "shape", ()) != () and hasattr(x, "__array__"):
        return None
    return _constant(_to_float(x, "arithmetic with a Value"))


def _compare_operand(x: object) -> float:
    return x.data if isinstance(x, Value) else _to_float(x, "comparison with a Value")


def _elementwise(op: Callable[[Any, Any], Any], left: Any, right: Any) -> Any:
    """Apply ``op`` between a Value and a numpy array, element by element.

    The Value is boxed in a 0-d object array, so numpy broadcasts it and
    calls our operators on each element: the result is an object array of
    Values.
    """
    import numpy as np

    def box(x: Any) -> Any:
        if isinstance(x, Value):
            arr = np.empty((), dtype=object)
            arr[()] = x
            return arr
        return x

    return op(box(left), box(right))


# --- n-ary nodes -----------------------------------------------------------


_VALUE_TYPES = frozenset({Value, _Constant})
_data_of = operator.attrgetter("data")


def _as_values(xs: Iterable[Operand], what: str) -> tuple[Value, ...]:
    xs = xs if type(xs) is tuple else tuple(xs)
    if _VALUE_TYPES.issuperset(map(type, xs)):  # the common case, checked in C
        return xs
    return tuple(x if isinstance(x, Value) else _constant(_to_float(x, what)) for x in xs)


def dot(ws: Sequence[Operand], xs: Sequence[Operand], bias: Operand | None = None) -> Value:
    """z = Σᵢ wᵢ·xᵢ (+ b) as a single node: the textbook neuron's weighted sum.

    Local derivatives: ∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ, ∂z/∂b = 1. Inputs are
    ``(w₁..wₙ, x₁..xₙ, b)`` in that order.

    Example:
        >>> import autograd_lite as ag
        >>> w = [ag.Value(0.5), ag.Value(-1.0)]
        >>> z = ag.dot(w, [2.0, 3.0], bias=1.0)
        >>> z.data
        -1.0
    """
    wv = _as_values(ws, "dot() weights")
    xv = _as_values(xs, "dot() inputs")
    if len(wv) != len(xv):
        raise ValueError(
            f"dot() needs as many weights as inputs, got {len(wv)} weights and {len(xv)} inputs"
        )
    wd = list(map(_data_of, wv))
    xd = list(map(_data_of, xv))
    out = builtins.sum(map(operator.mul, wd, xd), 0.0)
    if bias is None:
        return _node(out, wv + xv, "dot", dot_local(out, *wd, *xd))
    b = bias if isinstance(bias, Value) else _constant(_to_float(bias, "dot() bias"))
    out += b.data
    return _node(out, (*wv, *xv, b), "dot", dot_local(out, *wd, *xd, b.data))


def sum(values: Iterable[Operand]) -> Value:
    """Σ values as a single node (one node for a whole batch of losses).

    Example:
        >>> import autograd_lite as ag
        >>> s = ag.sum([ag.Value(1.0), 2, ag.Value(3.0)])
        >>> s.data, len(s.inputs)
        (6.0, 3)
    """
    vs = _as_values(values, "sum()")
    if not vs:
        return Value(0.0)
    data = list(map(_data_of, vs))
    out = builtins.sum(data, 0.0)
    return _node(out, vs, "sum", sum_local(out, *data))


# --- the backward pass -----------------------------------------------------


def _chain_rule_fast(order: list[Value], seed: float, accumulate: bool) -> None:
    """The backward pass for the common case: floats, no hooks, nothing watching."""
    # Each pass accumulates into _g from zero, so gradients left in .grad by
    # earlier passes are never propagated again (exact accumulation).
    for node in order:
        node._g = 0.0
    order[0]._g = seed
    for node in order:
        g = node._g
        if accumulate:
            node.grad += g
        # The chain rule on every edge: input gets local derivative × upstream.
        # Binary and unary ops are unrolled (they are most nodes, and a zip
        # per node costs as much as the arithmetic); n-ary ones loop.
        inputs = node.inputs
        n = len(inputs)
        if n == 2:
            a, b = inputs
            local_a, local_b = node._local
            a._g += local_a * g
            b._g += local_b * g
        elif n == 1:
            inputs[0]._g += node._local[0] * g
        elif n:
            for inp, local in zip(inputs, node._local):
                inp._g += local * g


def _chain_rule(
    order: list[Value], seed: Any, create_graph: bool, accumulate: bool
) -> Iterable[tuple[Value, Any, tuple[Any, ...], tuple[Any, ...]]]:
    """The general backward pass, one node per step.

    Yields ``(node, grad, local_grads, contributions)`` after applying the
    node's update. Local derivatives are recomputed by the op's named
    function in :mod:`autograd_lite.ops` (floats give exactly the numbers
    stored in the forward pass; Values record a differentiable graph).
    """
    for node in order:
        node._g = None
    order[0]._g = seed
    monitor = _mode.monitor
    for node in order:
        g = node._g
        hooks = _HOOKS.get(node) if _HOOKS else None
        if hooks:
            for hook in list(hooks):
                replaced = hook(g)
                if replaced is not None:
                    g = replaced if create_graph else _to_float(replaced, "a hook's result")
        if accumulate:
            node.grad = _accumulate(node.grad, g)
        inputs = node.inputs
        if inputs:
            local_fn = LOCALS[node.op]
            if create_graph:
                local = local_fn(node, *inputs)
                contributions = tuple(_times(d, g) for d in local)
            else:
                local = local_fn(node.data, *[inp.data for inp in inputs])
                contributions = tuple(d * g for d in local)
            for inp, c in zip(inputs, contributions):
                prev = inp._g
                inp._g = c if prev is None else prev + c
        else:
            local = contributions = ()
        if monitor is not None:
            monitor.backward(node, g, contributions)
        yield node, g, local, contributions


def _accumulate(total: Any, g: Any) -> Any:
    if type(total) is float and total == 0.0 and isinstance(g, Value):
        return g
    return total + g


def _times(local: Any, g: Any) -> Any:
    """local × upstream, without recording a multiplication by exactly 1."""
    if type(local) is float and local == 1.0:
        return g
    return local * g


def gradients(output: Value, wrt: Sequence[Value], *, create_graph: bool = False) -> list[Any]:
    """∂output/∂w for each ``w`` in ``wrt``, without touching any ``.grad``.

    This is what the functional API (``grad``, ``value_and_grad``) is built on.
    A ``w`` the output does not depend on gets 0.0.

    Example:
        >>> import autograd_lite as ag
        >>> x, y = ag.Value(2.0), ag.Value(5.0)
        >>> ag.gradients(x * y, [x, y])
        [5.0, 2.0]
    """
    order = backward_order(output)
    if create_graph or _HOOKS or (_SPECIAL and not _mode.plain):
        seed = Value(1.0) if create_graph else 1.0
        for _ in _chain_rule(order, seed, create_graph, accumulate=False):
            pass
    else:
        _chain_rule_fast(order, 1.0, accumulate=False)
    reached = set(order)
    return [w._g if w in reached else 0.0 for w in wrt]
