"""``Value``: a float that records how it was computed.

Every operation on a ``Value`` returns a new ``Value`` that keeps its inputs
(``.inputs``, in operand order), the record of the operation that made it
(``.op`` is its name) and its local derivatives ∂out/∂input, computed once
by the op's named function (:mod:`.ops`) from the values the forward pass
used. Every route through backward (:mod:`.backward`) reads those, so they
all give the same numbers, even after a leaf's ``.data`` has been changed
(by an optimizer step, say).

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

import math
import operator
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from numbers import Real
from typing import TYPE_CHECKING, Any

from . import mode as _modes
from .graph import nodes, topological_order

if TYPE_CHECKING:
    from .ops import Op
    from .steps import Step

Operand = Any  # a Value, or a real number that will be wrapped as a constant

_mode = _modes.mode


# --- conversion of user input ----------------------------------------------


def to_float(x: object, what: str) -> float:
    """A real number (int, float, bool, Fraction, numpy scalar) as a float; TypeError otherwise.

    ``what`` names the operation for the error message.

    Example:
        >>> to_float(3, "Value()")
        3.0
    """
    kind = type(x)
    if kind is float:
        return x  # type: ignore[return-value]
    if kind is int or kind is bool:
        try:
            return float(x)  # type: ignore[arg-type]
        except OverflowError:
            raise OverflowError(
                f"{what} got an integer too large for a float: {_clip(repr(x))}"
            ) from None
    if isinstance(x, Value):
        raise TypeError(f"{what} got a Value where a number was expected; use .data or .detach()")
    if isinstance(x, Real) or _is_numpy_real(x):
        try:
            return float(x)  # type: ignore[arg-type]
        except OverflowError:
            raise OverflowError(
                f"{what} got a number too large for a float: {_clip(repr(x))}"
            ) from None
    raise TypeError(f"{what} needs a real number, got {kind.__name__} {_clip(repr(x))}")


def _is_numpy_real(x: object) -> bool:
    """numpy's bool_ and 0-d numeric arrays (not Real by the numbers ABCs)."""
    dtype = getattr(x, "dtype", None)
    kind = getattr(dtype, "kind", None)
    return isinstance(kind, str) and kind in "biuf" and getattr(x, "shape", None) == ()


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else f"{text[: limit - 20]}…({len(text)} characters)"


def describe(v: Any) -> str:
    """Short form for error messages: ``Value(data=-1.0, label='x')``, or the number.

    Example:
        >>> describe(Value(-1.0, label="x")), describe(2.5)
        ("Value(data=-1.0, label='x')", '2.5')
    """
    if not isinstance(v, Value):
        return repr(v)
    label = f", label={v.label!r}" if v.label else ""
    return f"Value(data={v.data!r}{label})"


# --- the Value class -------------------------------------------------------

_new = object.__new__


class Value:
    """A scalar that records the operations applied to it.

    Attributes:
        data: the float value.
        grad: ∂(output)/∂(this node) after ``backward()``; 0.0 before (None
            is accepted too, meaning "no gradient yet"). A ``Value`` after
            ``backward(create_graph=True)``.
        label: an optional name, shown by ``repr``, drawings and ``explain``.
        op: the name of the operation that produced this node ("" for a leaf).
        inputs: the operands of that operation, in order (() for a leaf).

    Example:
        >>> x = Value(2.0, label="x")
        >>> y = (x * 3).relu()
        >>> y.backward(); x.grad
        3.0
    """

    __slots__ = ("__weakref__", "_g", "_hooks", "_local", "_op", "data", "grad", "inputs", "label")

    # numpy must hand mixed operations back to us (np.float64(2) * Value(3)
    # is a Value), rather than turning the Value into a float.
    __array_ufunc__ = None

    data: float
    grad: Any
    label: str
    inputs: tuple[Value, ...]
    _op: Op
    _local: tuple[Any, ...]  # ∂self/∂input per input, computed in the forward pass
    _g: Any  # scratch for the fast backward pass, which holds a lock while it is used
    _hooks: list[Callable[[Any], Any]]  # set by register_hook; unset (no hooks) otherwise

    # The operators and elementary functions are generated from the op
    # records in ops.py (one record per op); these stubs only type them.
    if TYPE_CHECKING:

        def __add__(self, other: Operand) -> Value: ...
        def __radd__(self, other: Operand) -> Value: ...
        def __sub__(self, other: Operand) -> Value: ...
        def __rsub__(self, other: Operand) -> Value: ...
        def __mul__(self, other: Operand) -> Value: ...
        def __rmul__(self, other: Operand) -> Value: ...
        def __truediv__(self, other: Operand) -> Value: ...
        def __rtruediv__(self, other: Operand) -> Value: ...
        def __mod__(self, other: Operand) -> Value: ...
        def __rmod__(self, other: Operand) -> Value: ...
        def __rpow__(self, other: Operand) -> Value: ...
        def __neg__(self) -> Value: ...
        def __abs__(self) -> Value: ...
        def exp(self) -> Value: ...
        def log(self) -> Value: ...
        def sqrt(self) -> Value: ...
        def tanh(self) -> Value: ...
        def sigmoid(self) -> Value: ...
        def relu(self) -> Value: ...
        def sin(self) -> Value: ...
        def cos(self) -> Value: ...
        def tan(self) -> Value: ...
        def sinh(self) -> Value: ...
        def cosh(self) -> Value: ...
        def asin(self) -> Value: ...
        def acos(self) -> Value: ...
        def atan(self) -> Value: ...
        def asinh(self) -> Value: ...
        def acosh(self) -> Value: ...
        def atanh(self) -> Value: ...
        def arcsin(self) -> Value: ...
        def arccos(self) -> Value: ...
        def arctan(self) -> Value: ...
        def arcsinh(self) -> Value: ...
        def arccosh(self) -> Value: ...
        def arctanh(self) -> Value: ...
        def log1p(self) -> Value: ...
        def expm1(self) -> Value: ...
        def log2(self) -> Value: ...
        def log10(self) -> Value: ...
        def exp2(self) -> Value: ...
        def erf(self) -> Value: ...
        def floor(self) -> Value: ...
        def ceil(self) -> Value: ...
        def trunc(self) -> Value: ...
        def __floor__(self) -> int: ...
        def __ceil__(self) -> int: ...
        def __trunc__(self) -> int: ...
        def __round__(self, ndigits: int | None = None) -> float: ...
        def arctan2(self, other: Operand) -> Value: ...
        def hypot(self, other: Operand) -> Value: ...
        def conjugate(self) -> Value: ...
        def leaky_relu(self) -> Value: ...
        def elu(self) -> Value: ...
        def gelu(self) -> Value: ...
        def softplus(self) -> Value: ...
        def identity(self) -> Value: ...

    def __init__(self, data: Any, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__} {label!r}")
        self.data = to_float(data, "Value()")
        self.grad = 0.0
        self.label = label
        self.inputs = ()
        self._op = LEAF
        self._local = ()

    # -- presentation --

    @property
    def op(self) -> str:
        """The name of the operation that produced this node; "" for a leaf.

        Example:
            >>> (Value(1.0) + 2).op, Value(1.0).op
            ('+', '')
        """
        return self._op.name

    @property
    def is_constant(self) -> bool:
        """True for a plain number used in an operation (the 2 in ``x * 2``).

        Example:
            >>> x = Value(1.0); y = x * 2
            >>> [v.is_constant for v in y.inputs]
            [False, True]
        """
        return False

    @property
    def is_leaf(self) -> bool:
        """True for a node no operation produced (an input, a parameter, a constant).

        Example:
            >>> Value(1.0).is_leaf, (Value(1.0) + 1).is_leaf
            (True, False)
        """
        return not self.inputs

    @property
    def local_grads(self) -> tuple[float, ...]:
        """∂self/∂input for each input (read-only): exactly what ``backward()`` uses.

        Computed once, in the forward pass, by the op's named local-derivative
        function from the values the forward pass used.

        Example:
            >>> a, b = Value(2.0), Value(5.0)
            >>> (a * b).local_grads
            (5.0, 2.0)
        """
        return self._local

    def __repr__(self) -> str:
        grad = self.grad
        shown = f"Value({grad.data!r})" if isinstance(grad, Value) else repr(grad)
        return f"Value(data={self.data!r}, grad={shown}, op={self.op!r}, label={self.label!r})"

    def __format__(self, spec: str) -> str:
        return format(self.data, spec) if spec else repr(self)

    # -- reading the number: a tracer may want to know --

    def __float__(self) -> float:
        if _modes.special and _mode.monitor is not None:
            _mode.monitor.guard("float", self, None, self.data)
        return self.data

    def __int__(self) -> int:
        result = int(self.data)
        if _modes.special and _mode.monitor is not None:
            _mode.monitor.guard("int", self, None, result)
        return result

    def __bool__(self) -> bool:
        result = self.data != 0.0
        if _modes.special and _mode.monitor is not None:
            _mode.monitor.guard("bool", self, None, result)
        return result

    def item(self) -> float:
        """The float value, as in PyTorch.

        Example:
            >>> Value(2.5).item()
            2.5
        """
        if _modes.special and _mode.monitor is not None:
            _mode.monitor.guard("item", self, None, self.data)
        return self.data

    # -- comparisons look at the data; == and hash stay identity --

    def __lt__(self, other: Operand) -> Any:
        return _compare("<", operator.lt, self, other)

    def __le__(self, other: Operand) -> Any:
        return _compare("<=", operator.le, self, other)

    def __gt__(self, other: Operand) -> Any:
        return _compare(">", operator.gt, self, other)

    def __ge__(self, other: Operand) -> Any:
        return _compare(">=", operator.ge, self, other)

    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def __pos__(self) -> Value:
        return self

    def __pow__(self, other: Operand, modulo: None = None) -> Any:
        if modulo is not None:
            raise TypeError("pow() with a modulus is not defined for Values")
        return _pow(self, other)

    # -- graph utilities --

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
        replaces the gradient (as in PyTorch). The hook lives with the node:
        when the node is dropped, so is the hook. A hook never runs inside
        itself (a hook that calls ``ag.gradients`` on its own graph is not
        called again by that inner pass).

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
        hooks = hooks_of(self)
        if hooks is None:
            self._hooks = hooks = []
        hooks.append(fn)
        HOOKED.add(self)
        return HookHandle(self, fn)

    # backward() and backward_steps() are installed by backward.py and steps.py,
    # so that a debugger's `s` goes straight into the pass (typed here).
    if TYPE_CHECKING:

        def backward(self, gradient: Any = 1.0, *, create_graph: bool = False) -> None: ...

        def backward_steps(
            self, gradient: Any = 1.0, *, create_graph: bool = False
        ) -> Iterator[Step]: ...

    # -- pickling and copying: iterative, however deep the graph --

    def __reduce_ex__(self, protocol: Any) -> Any:
        return _reduce(self)


class Constant(Value):
    """A plain number used in an operation (the 2 in ``x * 2``).

    It is an ordinary leaf in the graph; the subclass lets drawings, steps and
    the anomaly detector tell it apart from the user's own Values.

    Example:
        >>> x = Value(1.0); (x * 2).inputs[1].is_constant
        True
    """

    __slots__ = ()

    @property
    def is_constant(self) -> bool:
        return True


def has_hooks(values: Iterable[Value]) -> bool:
    """Whether any of ``values`` has a gradient hook (cheap when no Value anywhere has one).

    Example:
        >>> x, y = Value(1.0), Value(2.0)
        >>> has_hooks([x, y]), (x.register_hook(print) and has_hooks([x, y]))
        (False, True)
    """
    try:
        found = iter(values)
    except TypeError:
        raise TypeError(
            f"has_hooks() needs an iterable of Values, got {type(values).__name__}"
        ) from None
    return bool(HOOKED) and any(map(hooks_of, found))


def hooks_of(v: Value) -> list[Callable[[Any], Any]] | None:
    """The hooks registered on ``v`` (in order), or None.

    Example:
        >>> x = Value(1.0); _ = x.register_hook(print)
        >>> hooks_of(x) == [print], hooks_of(Value(2.0))
        (True, None)
    """
    return getattr(v, "_hooks", None)


#: Nodes that have hooks (weakly held): while it is empty, no graph has any.
HOOKED: weakref.WeakSet[Value] = weakref.WeakSet()


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
        hooks = hooks_of(node) if node is not None else None
        if not hooks or self._fn not in hooks:
            return
        hooks.remove(self._fn)
        if not hooks:
            del node._hooks  # type: ignore[union-attr]
            HOOKED.discard(node)  # type: ignore[arg-type]


# --- building nodes --------------------------------------------------------


class _Leaf:
    """The op record of a leaf: no name, no inputs, nothing to differentiate."""

    __slots__ = ()
    name = ""
    arity = 0

    @staticmethod
    def local(*args: Any) -> tuple[Any, ...]:
        return ()


LEAF: Any = _Leaf()


def node(data: float, inputs: tuple[Value, ...], op: Op, local: tuple[Any, ...]) -> Value:
    """Make an operation's result (or a bare leaf when not recording).

    ``local`` holds ∂data/∂input for each input, as the op's local function
    computed them from the forward pass's values.

    Example:
        >>> from autograd_lite.core.ops import OPS
        >>> a, b = Value(2.0), Value(3.0)
        >>> node(6.0, (a, b), OPS["*"], (3.0, 2.0)).local_grads
        (3.0, 2.0)
    """
    out: Value = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    if not _modes.special or _mode.plain:
        out.inputs = inputs
        out._op = op
        out._local = local
        return out
    if _mode.recording:
        out.inputs = inputs
        out._op = op
        out._local = local
    else:
        out.inputs = ()
        out._op = LEAF
        out._local = ()
    if _mode.monitor is not None:
        _mode.monitor.forward(out, op.name, inputs)
    return out


def constant(x: float) -> Value:
    """A constant leaf for the plain number ``x`` (as in ``x * 2``).

    Example:
        >>> constant(2.0).is_constant
        True
    """
    c: Value = _new(Constant)
    c.data = x
    c.grad = 0.0
    c.label = ""
    c.inputs = ()
    c._op = LEAF
    c._local = ()
    if _modes.special and _mode.monitor is not None:
        _mode.monitor.constant(c)
    return c


def operand(x: object, what: str) -> Value | None:
    """A Value for the other side of an operator; None when it is not ours to handle.

    Numbers become constants; a numpy array, or a type we do not know, gives
    None so the operator can return NotImplemented (the other type may know).

    Example:
        >>> operand(2, "*").data, operand("2", "*")
        (2.0, None)
    """
    if isinstance(x, Value):
        return x
    kind = type(x)
    if kind is float:
        return constant(x)  # type: ignore[arg-type]
    if kind is int or kind is bool or isinstance(x, Real) or _is_numpy_real(x):
        return constant(to_float(x, what))
    return None


def is_array(x: object) -> bool:
    """True for a numpy array (or array-like) with at least one dimension."""
    return getattr(x, "shape", ()) != () and hasattr(x, "__array__")


def elementwise(op: Callable[[Any, Any], Any], left: Any, right: Any) -> Any:
    """Apply ``op`` between a Value and a numpy array, element by element.

    The Value is boxed in a 0-d object array, so numpy broadcasts it and
    calls our operators on each element: the result is an object array.

    Example:
        >>> import numpy as np
        >>> [v.data for v in elementwise(operator.add, Value(1.0), np.array([1.0, 2.0]))]
        [2.0, 3.0]
    """
    import numpy as np

    def box(x: Any) -> Any:
        if isinstance(x, Value):
            arr = np.empty((), dtype=object)
            arr[()] = x
            return arr
        return x

    return op(box(left), box(right))


def _compare(kind: str, op: Callable[[Any, Any], bool], value: Value, other: Any) -> Any:
    """``value <op> other`` on the data; arrays broadcast to an array of bools."""
    if isinstance(other, Value):
        result = op(value.data, other.data)
    elif type(other) is float or type(other) is int:
        result = op(value.data, other)
    elif is_array(other):
        import numpy as np

        return np.asarray(elementwise(op, value, other), dtype=bool)
    elif isinstance(other, Real) or _is_numpy_real(other):
        result = op(value.data, float(other))  # type: ignore[arg-type]
    else:
        return NotImplemented
    if _modes.special and _mode.monitor is not None:
        _mode.monitor.guard(kind, value, other, result)
    return result


def _pow(self: Value, other: Any) -> Any:
    # Bound to the ** record when ops.py loads (pow takes an extra argument).
    raise RuntimeError("autograd_lite.core.ops has not been loaded")


# --- pickling and deep copies without recursion ----------------------------
# Pickling a node pickles its inputs, which pickle theirs: recursion as deep
# as the graph. Instead the root's reduction lists its whole graph in
# topological order first; each node in that list reduces to its own fields
# with inputs that are already in the pickle's memo, so nothing nests. A
# sentinel at the end of the list closes the listing (a stale listing, left
# by an aborted pickle, only costs depth, never correctness).


class _Listing(threading.local):
    def __init__(self) -> None:
        self.ids: set[int] = set()


_listing = _Listing()


class _EndOfListing:
    def __reduce__(self) -> Any:
        _listing.ids.clear()
        return (_EndOfListing, ())


def _reduce(v: Value) -> Any:
    kind = Constant if isinstance(v, Constant) else Value
    if not v.inputs:
        return (_restore_leaf, (kind is Constant, v.data, v.grad, v.label))
    fields = (v.data, v.grad, v.label, v._op.name, v.inputs, v._local)
    if id(v) in _listing.ids:
        return (_restore_node, fields)
    order = topological_order(v)[:-1]
    _listing.ids = {id(n) for n in order if n.inputs}
    return (_restore_root, (order, _EndOfListing(), *fields))


def _restore_leaf(is_constant: bool, data: float, grad: Any, label: str) -> Value:
    v = constant(data) if is_constant else Value(data, label)
    v.grad = grad
    v.label = label
    return v


def _restore_node(
    data: float, grad: Any, label: str, op_name: str, inputs: tuple[Value, ...], local: tuple
) -> Value:
    from .ops import OPS

    if op_name not in OPS:
        raise ValueError(
            f"cannot restore a node made by the op {op_name!r}: no such op is defined"
            f" (define it with ag.defop before loading)"
        )
    v: Value = _new(Value)
    v.data, v.grad, v.label, v.inputs = data, grad, label, inputs
    v._op, v._local = OPS[op_name], local
    return v


def _restore_root(order: list[Value], end: Any, *fields: Any) -> Value:
    return _restore_node(*fields)


def math_fallback(fn: Callable[[float], float], x: float, overflow: float) -> float:
    """``fn(x)`` with IEEE results instead of exceptions: ±inf on overflow, NaN for ±inf in.

    Example:
        >>> math_fallback(math.exp, 1000.0, math.inf), math_fallback(math.sin, math.inf, 0.0)
        (inf, nan)
    """
    try:
        return fn(x)
    except OverflowError:
        return overflow
    except ValueError:
        return math.nan
