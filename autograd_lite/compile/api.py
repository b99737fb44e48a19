"""``ag.compile``: trace a function once per argument structure, then replay it.

Example:
    >>> import autograd_lite as ag
    >>> w = ag.Value(0.5)
    >>> @ag.compile
    ... def loss(x):
    ...     return (w * x - 1.0) ** 2
    >>> l = loss(4.0); l.backward()
    >>> l.data, w.grad, loss.mode
    (1.0, 8.0, 'python')
"""

from __future__ import annotations

import functools
import operator
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..core.value import Value
from . import _core, replay
from .args import flatten
from .environment import Environment
from .trace import Trace, record

#: How many traces (one per guard outcome) a single argument structure may collect.
MAX_TRACES = 8
#: How many values of its structural int arguments one argument structure is traced for.
MAX_INT_VALUES = 16
#: How many calls in a row may find a name the function reads rebound before it runs eagerly.
MAX_REBINDS = 4
TIERS = ("numpy", "python", "eager")
_read_data = operator.attrgetter("data")


@dataclass
class _Program:
    """One trace, made runnable by a tier."""

    trace: Trace
    tier: str
    source: str  # the generated forward and backward functions
    run: Callable[
        [list[float], list[tuple[int, Value]]], Any
    ]  # (data, backward, targets) or a Guard


@dataclass
class _Entry:
    """Everything known about one argument structure."""

    programs: list[_Program] = field(default_factory=list)
    eager_reason: str | None = None  # set: this structure always runs eagerly
    failures: int = 0  # guard failures in a row
    trace_errors: int = 0  # traces that raised


class Compiled:
    """A function compiled by :func:`compile`; call it like the function.

    Attributes:
        mode: the tier the last call ran on: "numpy", "python" or "eager".
        fallback_reason: why the last call ran eagerly (None when it did not).
    """

    def __init__(self, fn: Callable[..., Any], tier: str | None = None) -> None:
        if not callable(fn):
            raise TypeError(f"compile() needs a function, got {type(fn).__name__} {fn!r}")
        if tier is not None and tier not in TIERS:
            raise ValueError(
                f"compile() tier must be one of {', '.join(TIERS)} or None, got {tier!r}"
            )
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.tier = tier
        self.mode: str | None = None
        self.fallback_reason: str | None = None
        self._cache: dict[Any, _Entry] = {}
        # Per argument structure: the int arguments its traces use as structure
        # (positions in the flat numbers), how many of their values were traced, and where.
        self._structural: dict[Any, tuple[int, ...]] = {}
        self._int_values: dict[Any, int] = {}
        self._int_sites: dict[Any, str] = {}
        self._lock = threading.RLock()
        self._warned = False
        # The names the function reads, as bound when it was traced (see .environment).
        self._env: Environment | None = None
        self._rebinds = 0  # calls in a row that found one rebound
        self._unstable: str | None = None  # set: a name is rebound at every call; run eagerly

    def __repr__(self) -> str:
        name = getattr(self.fn, "__qualname__", repr(self.fn))
        return f"<compiled {name}, {len(self._cache)} argument structure(s), last mode {self.mode}>"

    def eager(self, *args: Any, **kwargs: Any) -> Any:
        """Run the function as written: the full eager graph (to draw, step or explain).

        Example:
            >>> import autograd_lite as ag
            >>> f = ag.compile(lambda x: x * x)
            >>> f.eager(ag.Value(3.0)).op
            '*'
        """
        return self.fn(*args, **kwargs)

    def code(self, *args: Any, **kwargs: Any) -> str:
        """The Python source a call with these arguments replays (tracing it if needed).

        Example:
            >>> import autograd_lite as ag
            >>> w = ag.Value(2.0)
            >>> print(ag.compile(lambda x: w * x).code(1.0).splitlines()[3])
                v2 = v1 * v0
        """
        key, _, _, _ = self._key(args, kwargs)
        entry = self._cache.get(key)
        if entry is None or not entry.programs:
            self(*args, **kwargs)
            entry = self._cache.get(key)
        if entry is None or not entry.programs:
            return f"# runs eagerly: {self.fallback_reason}\n"
        return entry.programs[0].source

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        why = _eager_reason() if self.tier != "eager" else "compiled with tier='eager'"
        if why is None:
            why = self._unstable or self._check_environment()
        if why is not None:
            return self._eager(why, args, kwargs)
        key, base, floats, values = self._key(args, kwargs)
        for _, v in values:
            if v.inputs:
                return self._eager(
                    "an argument is a Value with history (gradients must flow into it)",
                    args,
                    kwargs,
                )
        entry = self._cache.get(key)
        if entry is None and self._int_values.get(base, 0) >= MAX_INT_VALUES:
            return self._eager(
                f"an int argument used as structure ({self._int_sites[base]}) took more than "
                f"{MAX_INT_VALUES} values; pass numbers that change as floats or use them "
                f"only as operands of Value operations",
                args,
                kwargs,
            )
        if entry is None or (
            entry.eager_reason is None
            and (not entry.programs or entry.failures >= 2)
            and len(entry.programs) < MAX_TRACES
        ):
            with self._lock:
                entry = self._cache.setdefault(key, _Entry())
                result = self._add_trace(entry, key, base, args, kwargs, floats, values)
            if result is not None:
                return result
            entry = self._cache[self._key(args, kwargs)[0]]
        if entry.eager_reason is not None:
            return self._eager(entry.eager_reason, args, kwargs)
        return self._replay(entry, args, kwargs, floats, values)

    # -- internals --

    def _check_environment(self) -> str | None:
        """Forget every trace if a name the function reads was rebound since it was traced."""
        env = self._env
        name = env.changed() if env is not None else None
        if name is None:
            self._rebinds = 0
            return None
        with self._lock:
            self._cache.clear()
            self._structural.clear()
            self._int_values.clear()
            self._int_sites.clear()
            self._env = None
            self._rebinds += 1
            if self._rebinds > MAX_REBINDS:
                self._unstable = (
                    f"the name {name} it reads is bound to a new object at every call "
                    f"(pass what changes as an argument)"
                )
                return self._unstable
        return None

    def _key(self, args: Any, kwargs: Any) -> tuple[Any, Any, list[float], list[tuple[int, Value]]]:
        """``(key, structure, numbers, values)``: the cache key adds the structural ints' values."""
        base, floats, values = flatten(args, kwargs)
        positions = self._structural.get(base)
        if not positions:
            return base, base, floats, values
        return ("ints", base, tuple(floats[p] for p in positions)), base, floats, values

    def _replay(
        self,
        entry: _Entry,
        args: Any,
        kwargs: Any,
        floats: list[float],
        values: list[tuple[int, Value]],
    ) -> Any:
        failed = None
        for program in entry.programs:
            if _core.hooked(program.trace.params) or (
                values and _core.hooked([v for _, v in values])
            ):
                return self._eager("gradient hooks are registered on its Values", args, kwargs)
            try:
                out = program.run(floats, values)
            except (ArithmeticError, ValueError) as exc:
                return self._eager(
                    f"the replay hit {type(exc).__name__} ({exc}); eager raises or handles it",
                    args,
                    kwargs,
                )
            if type(out) is tuple:
                self.mode, self.fallback_reason = program.tier, None
                entry.failures = 0
                data, backward, targets = out
                eager = functools.partial(self.fn, *args, **kwargs)
                # Only calls with Value arguments have float arguments' sinks among the targets.
                return replay.make(data, backward, targets, eager, _SINK if values else None)
            failed = out
        entry.failures += 1
        return self._eager(f"a guard failed: {failed}", args, kwargs)

    def _add_trace(
        self,
        entry: _Entry,
        key: Any,
        base: Any,
        args: Any,
        kwargs: Any,
        floats: list[float],
        values: list[tuple[int, Value]],
    ) -> Any:
        """Trace this call and replay it; None if the caller should carry on."""
        if self._env is None:
            self._env = Environment(self.fn)
        try:
            trace = record(self.fn, args, kwargs)
        except Exception as exc:  # the eager run raises it again, or works without stand-ins
            trace = None
            why = f"tracing raised {type(exc).__name__}: {exc}"
        if trace is None:
            # Bad data for this call only (log of a negative input) should not
            # stop later calls from compiling; a second failure means the
            # function does not trace, and it runs eagerly from then on.
            entry.trace_errors += 1
            if entry.trace_errors >= 2:
                entry.eager_reason = why
            return self._eager(why, args, kwargs)
        if trace.unsafe is not None:
            entry.eager_reason = trace.unsafe
            self._warn(trace.unsafe)
            return self._eager(trace.unsafe, args, kwargs)
        program = self._build(trace)
        if trace.structural:
            entry = self._specialise(entry, key, base, trace, floats)
        entry.programs.insert(0, program)
        entry.failures = 0
        return None

    def _specialise(
        self, entry: _Entry, key: Any, base: Any, trace: Trace, floats: list[float]
    ) -> _Entry:
        """File a trace that uses int arguments as structure under their values."""
        known = self._structural.get(base, ())
        positions = tuple(sorted(set(known) | trace.structural))
        if positions != known:
            self._structural[base] = positions
            if not entry.programs:
                del self._cache[key]
            key = ("ints", base, tuple(floats[p] for p in positions))
            entry = self._cache.setdefault(key, _Entry())
        self._int_values[base] = self._int_values.get(base, 0) + 1
        self._int_sites[base] = ", ".join(sorted({g.site for g in trace.guards if g.kind == "=="}))
        return entry

    def _build(self, trace: Trace) -> _Program:
        from . import codegen_loops, codegen_numpy, codegen_python

        if self.tier in (None, "numpy"):
            numpy_program = codegen_numpy.build(trace, force=self.tier == "numpy")
            if numpy_program is not None:
                source = numpy_program.forward_source + "\n" + numpy_program.backward_source
                return _Program(trace, "numpy", source, _runner(trace, numpy_program))
        # A big trace that folds: one loop per group (fast to compile); else straight-line.
        program = codegen_loops.build(trace) or codegen_python.build(trace)
        source = program.forward_source + "\n" + program.backward_source
        return _Program(trace, "python", source, _runner(trace, program))

    def _eager(self, why: str, args: Any, kwargs: Any) -> Any:
        self.mode, self.fallback_reason = "eager", why
        return self.fn(*args, **kwargs)

    def _warn(self, why: str) -> None:
        if not self._warned:
            self._warned = True
            name = getattr(self.fn, "__qualname__", repr(self.fn))
            warnings.warn(
                f"ag.compile: {name} runs eagerly: {why}; pass what changes as an "
                f"argument and keep Values in Value operations",
                RuntimeWarning,
                stacklevel=4,
            )


def _runner(trace: Trace, program: Any) -> Callable[[list[float], list[tuple[int, Value]]], Any]:
    """Bind a tier's program to the trace's parameters: the per-call entry point."""
    params = trace.params
    forward, backward, backward_params = program.forward, program.backward, program.backward_params
    guards = trace.guards
    grad_param_values = [params[k] for k in program.grad_params]
    grad_arg_positions = program.grad_args

    def run(floats: list[float], values: list[tuple[int, Value]]) -> Any:
        result = forward(floats, list(map(_read_data, params)))
        if type(result) is int:
            return guards[result]
        data, saved = result
        if values and grad_arg_positions:
            # Some arguments are Values: their gradients are wanted too.
            by_position = dict(values)
            targets = grad_param_values + [by_position.get(p, _SINK) for p in grad_arg_positions]
            return float(data), lambda seed: backward(saved, seed), targets
        return float(data), lambda seed: backward_params(saved, seed), grad_param_values

    return run


#: Where the gradient of a float argument goes: nowhere anyone can see.
_SINK = Value(0.0)


def _eager_reason() -> str | None:
    if not _core.recording():
        return "no_grad is active (nothing to differentiate)"
    if _core.monitor_active():
        return "a monitor (detect_anomaly or a tracer) is installed"
    return None


def compile(fn: Callable[..., Any] | None = None, *, tier: str | None = None) -> Any:
    """Trace ``fn`` once per argument structure and replay it on later calls.

    ``fn(*args)`` must return a scalar Value (the loss). Float arguments
    (and arrays of floats) are the trace's inputs; Values captured from the
    enclosing scope are parameters, read live at every call, and receive
    their gradients from ``loss.backward()`` exactly as eager ``backward()``
    adds them; numbers captured from the enclosing scope are constants.

    Int arguments (and int arrays) are data while ``fn`` uses them only as
    operands of Value operations (``label * score``): a new value does not
    trace again. An int used as structure (an index, a count, in a
    comparison or in plain int arithmetic: ``logits[t]``, ``range(n)``,
    ``2 * t - 1``) is guarded: the function is traced once per value of that
    int, up to 16 values per argument structure, then runs eagerly.

    Args:
        fn: the function; or use ``@ag.compile`` / ``@ag.compile(tier=...)``.
        tier: force "numpy", "python" or "eager" (default: the fastest that applies).

    Returns:
        A :class:`Compiled` callable with ``.mode``, ``.fallback_reason`` and ``.eager``.

    Example:
        >>> import autograd_lite as ag
        >>> w = ag.Value(2.0)
        >>> f = ag.compile(lambda x: (w * x).tanh())
        >>> round(f(0.5).data, 6), round(f(1.0).data, 6)
        (0.761594, 0.964028)
    """
    if fn is None:
        return lambda f: Compiled(f, tier)
    return Compiled(fn, tier)
