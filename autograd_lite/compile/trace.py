"""Tracing: run the function once on stand-in Values and record what it computed.

The tracer installs a monitor for the thread; the engine reports every node
it creates. Each node joins the *tape*, a list of entries in the order they
were computed (leaves are listed just before their first use), so the tape
is already in topological order. Leaves are of three kinds:

* ``arg``: one of the call's number arguments (position in the flat list);
* ``param``: a Value that existed before (a weight): read live at each call;
* ``const``: a plain number that became a constant leaf (the 2 in ``x * 2``).

Nodes produced during the trace are given the class :class:`Traced`, a
``Value`` whose comparisons and conversions are seen: comparisons and
``bool`` become guards, and reading ``.data`` or ``float()`` from user code
marks the trace unsafe (the function then runs eagerly).

An int argument is replaced by an :class:`IntArg`. Used as an operand of a
Value operation (``y * score``), the engine turns it into a constant leaf,
which the tracer records as the argument itself: data, read at every call.
Any other use (an index, ``range``, ``==``, ``hash``, plain int arithmetic,
``float()`` by user code) makes it structure: the trace records an
equality guard and lists the argument in ``Trace.structural``, so that later
calls are traced once per value of that int.

Example:
    >>> from autograd_lite import Value
    >>> w = Value(3.0)
    >>> t = record(lambda x: (w * x + 1).relu(), (2.0,), {})
    >>> [e.op or e.kind for e in t.entries]
    ['arg', 'param', '*', 'const', '+', 'relu']
"""

from __future__ import annotations

import functools
import math
import numbers
import operator
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..core.value import Value
from . import _core
from .args import substitute
from .guards import Guard, user_site

_DATA = _core.DATA_SLOT
_get = _DATA.__get__
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_CORE = os.path.join(_PACKAGE, "core")
_COMPILE = os.path.join(_PACKAGE, "compile")
#: Engine functions that turn a Value's number into something untracked.
_LEAKY = frozenset({"detach", "__format__"})


@dataclass
class Entry:
    """One tape entry: a leaf (``op == ""``) or a node computed from earlier entries."""

    op: str
    inputs: tuple[int, ...] = ()
    kind: str = "node"  # "node", "arg", "param" or "const"
    payload: Any = None  # arg: position; param: the Value; const: the float
    grad: bool = True  # False for a node made under no_grad (a leaf to backward)
    data: float = 0.0  # the value at trace time


@dataclass
class Trace:
    """What one traced call computed, ready for a replay tier."""

    entries: list[Entry] = field(default_factory=list)
    guards: list[Guard] = field(default_factory=list)
    output: int = -1
    n_floats: int = 0
    unsafe: str | None = None  # why replaying this trace would be wrong
    structural: set[int] = field(default_factory=set)  # int arguments used as structure

    @functools.cached_property
    def params(self) -> list[Value]:
        """The parameter leaves, in tape order (read once the trace is complete)."""
        return [e.payload for e in self.entries if e.kind == "param"]


class _State(threading.local):
    tracer: Tracer | None = None


_state = _State()


class Tracer(_core.MonitorBase):
    """The monitor that builds a :class:`Trace` while the function runs."""

    def __init__(self, n_floats: int) -> None:
        self.trace = Trace(n_floats=n_floats)
        self.index: dict[int, int] = {}
        self.keep: list[Any] = []  # keeps ids stable while tracing
        self.swapped: list[Value] = []  # parameters made Traced for the trace
        self.args: dict[int, int] = {}  # argument position -> tape index
        self.pending: list[tuple[int, float]] = []  # int arguments the engine is making constants

    # -- entries --

    def entry_of(self, v: Value) -> int:
        """The tape index of ``v``, adding it as a leaf if it is new."""
        i = self.index.get(id(v))
        if i is not None:
            return i
        if v.inputs:
            self.unsafe(f"it uses a Value computed outside the function ({v.op!r} node)", None)
            kind, payload = "param", v
        elif _core.is_constant(v):
            kind, payload = "const", _get(v)
        else:
            kind, payload = "param", v
            if type(v) is Value:
                # Until the trace ends, a parameter is a Traced too, so that the
                # function reading its .data from here on is seen (restored after).
                v.__class__ = Traced
                self.swapped.append(v)
        return self._add(v, Entry("", (), kind, payload, True, _get(v)))

    def _add(self, v: Value, entry: Entry) -> int:
        entries = self.trace.entries
        i = len(entries)
        entries.append(entry)
        self.index[id(v)] = i
        self.keep.append(v)
        return i

    def arg(self, position: int, x: Any, is_int: bool = False) -> Any:
        """A stand-in for the number argument at ``position``: a Value, or an :class:`IntArg`."""
        if is_int:
            entries = self.trace.entries
            self.args[position] = len(entries)
            entries.append(Entry("", (), "arg", position, True, float(x)))
            return IntArg(self, position, int(x))
        v: Traced = Value.__new__(Traced)
        Value.__init__(v, x)
        self.args[position] = self._add(v, Entry("", (), "arg", position, True, x))
        return v

    def structure(self, position: int, value: int) -> None:
        """The int argument at ``position`` decides structure: guard its value."""
        if position in self.trace.structural:
            return
        self.trace.structural.add(position)
        rhs = ("number", float(value))
        self.trace.guards.append(Guard("==", self.args[position], rhs, True, user_site()))

    # -- what the engine reports --

    def forward(self, out: Value, op: str, inputs: tuple[Value, ...]) -> None:
        ins = tuple(self.entry_of(v) for v in inputs)
        if self.pending:
            self.unsafe("an int argument became a number the trace cannot follow", None)
            self.pending.clear()
        if not _core.known_op(op):
            self.unsafe(f"op {op!r} has no record in the op table", None)
        self._add(out, Entry(op, ins, "node", None, bool(out.inputs), _get(out)))
        if type(out) is Value:
            out.__class__ = Traced

    def constant(self, c: Value) -> None:
        """The engine made a constant; if it was made from an int argument, it is that argument.

        The int's conversion to float announced it (``pending``); the engine
        makes the constant right after, so the first constant with that value
        made from then on is the argument's, whatever other constants of the
        same value are around (``dot([p, q], [1.0, t])`` with t == 1).
        """
        if self.pending and self.pending[0][1] == _get(c):
            position = self.pending.pop(0)[0]
            self.index[id(c)] = self.args[position]
            self.keep.append(c)

    def stop_gradient(self, source: Value, out: Value) -> None:
        """``out = source.detach()``: a node equal to its input that passes no gradient back."""
        self._add(out, Entry("identity", (self.entry_of(source),), "node", None, False, _get(out)))
        out.__class__ = Traced

    def backward(self, node: Value, grad: Any, contributions: tuple[Any, ...]) -> None:
        """Backward passes inside the traced function are not replayed."""
        self.unsafe("it runs backward() inside the function", None)

    def guard(self, kind: str, value: Value, other: Any, result: Any) -> None:
        """The engine saw control flow inspect ``value`` (a parameter or a stand-in)."""
        if kind in ("<", "<=", ">", ">=", "bool"):
            self.compare(kind, value, other, bool(result))
        else:
            self.unsafe(f"{kind}() of a Value (its number leaves the trace)", user_site())

    # -- what the stand-ins report --

    def compare(self, kind: str, value: Value, other: Any, result: bool) -> None:
        """Record ``value <kind> other`` was ``result``: a guard replays must pass."""
        a = self.entry_of(value)
        b: int | float | None
        if isinstance(other, Value):
            b = self.entry_of(other)
            rhs: Any = ("entry", b)
        elif isinstance(other, IntArg) and other._tracer is self:
            rhs = ("entry", self.args[other._position])  # compared as data, at every call
        else:
            rhs = ("number", float(other) if other is not None else math.nan)
        self.trace.guards.append(Guard(kind, a, rhs, result, user_site()))

    def unsafe(self, why: str, site: str | None) -> None:
        """Remember the first reason this trace cannot be replayed."""
        if self.trace.unsafe is None:
            self.trace.unsafe = why + (f" at {site}" if site else "")


class Traced(Value):
    """A Value created while tracing: reads of ``.data`` are seen, ``detach`` is recorded.

    (Comparisons, ``bool`` and ``float`` reach the tracer through the
    engine's ``Monitor.guard`` for every Value, parameters included.)
    Outside a trace it behaves exactly like a ``Value``.
    """

    __slots__ = ()

    @property  # type: ignore[override]
    def data(self) -> float:
        tracer = _state.tracer
        if tracer is not None:
            # The engine reads .data to compute ops: fine. Anyone else takes
            # the number out of the trace, where a replay cannot follow it.
            caller = sys._getframe(1).f_code
            engine = caller.co_filename.startswith(_CORE) and caller.co_name not in _LEAKY
            if not engine and not caller.co_filename.startswith(_COMPILE):
                tracer.unsafe("it reads .data of a traced Value", user_site())
        return _get(self)  # type: ignore[no-any-return]

    @data.setter
    def data(self, x: float) -> None:
        tracer = _state.tracer
        if tracer is not None:
            tracer.unsafe("it assigns .data of a traced Value", user_site())
        _DATA.__set__(self, x)

    def detach(self) -> Value:
        """The same number with no history; in a trace, a node that stops the gradient."""
        out = Value(_get(self), self.label)
        tracer = _state.tracer
        if tracer is not None:
            tracer.stop_gradient(self, out)
        return out

    def __format__(self, spec: str) -> str:
        if spec and _state.tracer is not None:
            _state.tracer.unsafe("format() of a traced Value", user_site())
        return format(_get(self), spec) if spec else repr(self)


class IntArg:
    """The stand-in for an int argument while tracing: an int that reports how it is used.

    Converted by the engine into an operand of a Value operation, it is data
    (the tracer makes the constant an argument leaf). Everything else an int
    can do (index, count, compare, hash, format, plain arithmetic) works as
    on the int and makes the argument structure (an equality guard).
    ``isinstance(n, int)`` is True; only ``type(n)`` tells it apart.

    Example:
        >>> t = record(lambda xs, i: xs[i] * 2.0, ([1.5, 2.5], 1), {})
        >>> sorted(t.structural), str(t.guards[0]).split(" (")[0]
        ([2], 'guard #2 == 1.0')
    """

    __slots__ = ("_position", "_tracer", "_value")

    def __init__(self, tracer: Tracer, position: int, value: int) -> None:
        self._tracer, self._position, self._value = tracer, position, value

    def _structure(self) -> int:
        if _state.tracer is self._tracer:
            self._tracer.structure(self._position, self._value)
        return self._value

    def __float__(self) -> float:
        x = float(self._value)
        if _state.tracer is not self._tracer:
            return x
        caller = sys._getframe(1)
        if caller.f_code is _core.TO_FLOAT and caller.f_back is not None:
            if caller.f_back.f_code in _core.CONSTANT_MAKERS:
                self._tracer.pending.append((self._position, x))  # an operand: data
                return x
        elif caller.f_code is _core.COMPARE:
            return x  # the engine reports the comparison itself, as data
        self._tracer.structure(self._position, self._value)
        return x

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        return int  # so that isinstance(n, int) is True, as for the int it stands for

    def __getattr__(self, name: str) -> Any:
        if not hasattr(int, name):  # (``shape``, ``dtype``: what duck typing asks for)
            raise AttributeError(f"'int' object has no attribute {name!r}")
        return getattr(self._structure(), name)


#: Binary operators by dunder stem, for an int meeting another number type (``t * 0.5``).
_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul,
    "truediv": operator.truediv, "floordiv": operator.floordiv, "mod": operator.mod,
    "divmod": divmod, "pow": pow, "lshift": operator.lshift, "rshift": operator.rshift,
    "and": operator.and_, "or": operator.or_, "xor": operator.xor,
}  # fmt: skip


def _structural_method(name: str) -> Callable[..., Any]:
    stem = name.strip("_")
    reflected = stem.startswith("r") and stem[1:] in _OPERATORS

    def method(self: IntArg, *args: Any) -> Any:
        if any(isinstance(a, Value) for a in args):
            return NotImplemented  # the Value's own operator takes the int as an operand
        plain = [a._structure() if isinstance(a, IntArg) else a for a in args]
        value = self._structure()
        result = getattr(value, name)(*plain)
        if result is NotImplemented and len(plain) == 1:
            # int * 0.5: the int declines and Python would ask float.__rmul__, which does
            # not know the stand-in; ask with the int itself, as eager code does.
            if reflected:
                return _OPERATORS[stem[1:]](plain[0], value)
            if stem in _OPERATORS:
                return _OPERATORS[stem](value, plain[0])
        return result

    method.__name__ = name
    return method


#: What an int can do besides being converted to a float: each makes it structure.
_INT_METHODS = """
    __index__ __int__ __hash__ __bool__ __repr__ __str__ __format__ __neg__ __pos__ __abs__
    __invert__ __round__ __trunc__ __floor__ __ceil__ __eq__ __ne__ __lt__ __le__ __gt__
    __ge__ __add__ __radd__ __sub__ __rsub__ __mul__ __rmul__ __truediv__ __rtruediv__
    __floordiv__ __rfloordiv__ __mod__ __rmod__ __divmod__ __rdivmod__ __pow__ __rpow__
    __lshift__ __rlshift__ __rshift__ __rrshift__ __and__ __rand__ __or__ __ror__ __xor__
    __rxor__
"""
for _name in _INT_METHODS.split():
    setattr(IntArg, _name, _structural_method(_name))
numbers.Integral.register(IntArg)


def record(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Trace:
    """Run ``fn`` on stand-ins for its float arguments and return the :class:`Trace`.

    The function's exceptions propagate (the caller then runs it eagerly to
    raise exactly what eager code raises).
    """
    from .args import flatten

    _, floats, _ = flatten(args, kwargs)
    tracer = Tracer(len(floats))
    traced_args, traced_kwargs = substitute(
        args, kwargs, lambda i, is_int: tracer.arg(i, floats[i], is_int)
    )
    saved = _state.tracer
    _state.tracer = tracer
    try:
        with _core.watching(tracer):
            out = fn(*traced_args, **traced_kwargs)
    finally:
        _state.tracer = saved
        for v in tracer.swapped:
            v.__class__ = Value
    trace = tracer.trace
    if not isinstance(out, Value):
        tracer.unsafe(f"it returned {type(out).__name__}, not a scalar Value", None)
    else:
        trace.output = tracer.entry_of(out)
    return trace
