"""Tracing: run the function once on stand-in Values and record what it computed.

The tracer installs a monitor for the thread; the engine reports every node
it creates. Each node joins the *tape*, a list of entries in the order they
were computed (leaves are listed just before their first use), so the tape
is already in topological order. Leaves are of three kinds:

* ``arg``: one of the call's float arguments (position in the flat list);
* ``param``: a Value that existed before (a weight): read live at each call;
* ``const``: a plain number that became a constant leaf (the 2 in ``x * 2``).

Nodes produced during the trace are given the class :class:`Traced`, a
``Value`` whose comparisons and conversions are seen: comparisons and
``bool`` become guards, and reading ``.data`` or ``float()`` from user code
marks the trace unsafe (the function then runs eagerly).

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

    def arg(self, position: int, x: float) -> Traced:
        """A stand-in Value for the float argument at ``position``."""
        v: Traced = Value.__new__(Traced)
        Value.__init__(v, x)
        self._add(v, Entry("", (), "arg", position, True, x))
        return v

    # -- what the engine reports --

    def forward(self, out: Value, op: str, inputs: tuple[Value, ...]) -> None:
        ins = tuple(self.entry_of(v) for v in inputs)
        if not _core.known_op(op):
            self.unsafe(f"op {op!r} has no record in the op table", None)
        self._add(out, Entry(op, ins, "node", None, bool(out.inputs), _get(out)))
        if type(out) is Value:
            out.__class__ = Traced

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


def record(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Trace:
    """Run ``fn`` on stand-ins for its float arguments and return the :class:`Trace`.

    The function's exceptions propagate (the caller then runs it eagerly to
    raise exactly what eager code raises).
    """
    from .args import flatten

    _, floats, _ = flatten(args, kwargs)
    tracer = Tracer(len(floats))
    traced_args, traced_kwargs = substitute(args, kwargs, lambda i: tracer.arg(i, floats[i]))
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
