"""The one place where ``compile`` touches the engine.

Everything the tracer needs from the core goes through these few functions,
so that following a change in the core is an edit here and nowhere else:
installing a monitor for this thread, telling a constant leaf from a
parameter, asking whether hooks or a monitor force the eager path, and the
per-op forward and local-derivative functions on floats.

Example:
    >>> from autograd_lite import Value
    >>> is_constant((Value(2.0) * 3).inputs[1])
    True
"""

from __future__ import annotations

from collections.abc import Callable
from types import CodeType
from typing import Any

from ..core import OPS, Monitor, Value, has_hooks, is_grad_enabled, watch
from ..core import ops as _ops
from ..core import value as _value
from ..core.mode import current_monitor

#: The engine's storage for ``Value.data``; reading it bypasses any subclass property.
DATA_SLOT: Any = Value.__dict__["data"]

#: The engine's monitor base class and the context manager that installs one.
MonitorBase = Monitor
watching = watch


#: The numbers the op records use (logs, slopes, thresholds): the numpy kernels share them.
LN2, LN10, LEAKY_SLOPE = _ops.LN2, _ops.LN10, _ops.LEAKY_SLOPE
SQRT1_2, INV_SQRT_2PI, TWO_OVER_SQRT_PI = _ops.SQRT1_2, _ops.INV_SQRT_2PI, _ops.TWO_OVER_SQRT_PI
SOFTPLUS_THRESHOLD = _ops.SOFTPLUS_THRESHOLD


def _inner(fn: Any) -> set[CodeType]:
    return {c for c in fn.__code__.co_consts if isinstance(c, CodeType)}


#: The engine's number-to-float conversion, and the engine code that calls it to
#: make a constant leaf at once (an operand of an op): an int argument converted
#: there is data of the trace (see :class:`.trace.IntArg`).
TO_FLOAT: CodeType = _value.to_float.__code__
#: The engine's comparison of a Value with a number (it reports the comparison itself).
COMPARE: CodeType = _value._compare.__code__
CONSTANT_MAKERS: frozenset[CodeType] = frozenset(
    {
        _value.operand.__code__,
        _ops.dot_values.__code__,
        *_inner(_ops.Op.apply),
        *_inner(_ops._as_values),
    }
)


def is_constant(v: Value) -> bool:
    """True for the constant leaf a plain number becomes inside an operation."""
    return v.is_constant


def monitor_active() -> bool:
    """Whether something (``detect_anomaly``, another tracer) watches this thread."""
    return current_monitor() is not None


def hooked(values: list[Value]) -> bool:
    """Whether any of ``values`` has a gradient hook (then backward must be eager).

    Cheap while no Value anywhere has a hook (the common case).
    """
    return has_hooks(values)


def recording() -> bool:
    """Whether operations are being recorded in this thread (False under ``no_grad``)."""
    return is_grad_enabled()


def op_forward(name: str) -> Callable[..., float]:
    """``forward(*floats) -> float`` for op ``name``, raising where the eager op raises."""
    op = OPS[name]
    forward, validate = op.forward, op.validate
    if op.check is None:
        return forward  # type: ignore[no-any-return]

    def checked(*xs: float) -> float:
        validate(xs, xs)
        return forward(*xs)  # type: ignore[no-any-return]

    return checked


def op_local(name: str) -> Callable[..., tuple[Any, ...]]:
    """``local(out, *inputs) -> tuple`` of local derivatives for op ``name``."""
    return OPS[name].local  # type: ignore[no-any-return]


def op_arity(name: str) -> int | None:
    """How many inputs op ``name`` takes (None: any number)."""
    return OPS[name].arity  # type: ignore[no-any-return]


def known_op(name: str) -> bool:
    """Whether the engine has an op called ``name``."""
    return name in OPS
