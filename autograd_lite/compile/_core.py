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

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from ..core import value as _engine
from ..core.value import Value, is_grad_enabled

#: The engine's storage for ``Value.data``; reading it bypasses any subclass property.
DATA_SLOT: Any = Value.__dict__["data"]


def is_constant(v: Value) -> bool:
    """True for the constant leaf a plain number becomes inside an operation."""
    flag = getattr(type(v), "is_constant", None)
    if isinstance(flag, property):
        return bool(v.is_constant)  # type: ignore[attr-defined]
    return isinstance(v, _engine._Constant)


def monitor_active() -> bool:
    """Whether something (``detect_anomaly``, another tracer) watches this thread."""
    return _engine._mode.monitor is not None


def hooks_active() -> bool:
    """Whether any gradient hook is registered (hooks must see every node: eager)."""
    return bool(_engine._HOOKS)


def recording() -> bool:
    """Whether operations are being recorded in this thread (False under ``no_grad``)."""
    return is_grad_enabled()


@contextlib.contextmanager
def watching(monitor: Any) -> Iterator[None]:
    """Install ``monitor`` for this thread while the block runs.

    The engine calls ``monitor.forward(out, op, inputs)`` for every node it
    creates (and, once the core offers it, ``monitor.guard(...)`` whenever
    control flow inspects a Value).
    """
    mode_module = _mode_module()
    if mode_module is not None:
        with mode_module.watch(monitor):
            yield
        return
    mode = _engine._mode
    saved = mode.monitor
    mode.monitor = monitor
    mode.refresh()
    try:
        yield
    finally:
        mode.monitor = saved
        mode.refresh()


def _mode_module() -> Any:
    try:
        from ..core import mode  # type: ignore[attr-defined]
    except ImportError:
        return None
    return mode if hasattr(mode, "watch") else None


def monitor_base() -> type:
    """The engine's monitor base class (no-op methods), or ``object`` before it exists."""
    mode_module = _mode_module()
    return getattr(mode_module, "Monitor", object) if mode_module is not None else object


# --- per-op functions on floats ------------------------------------------------


def _value_forward(name: str) -> Callable[..., float]:
    """A float forward for an op of the older core, by running the Value method once."""
    import operator

    from ..core.value import dot, sum as value_sum

    binary = {"+": operator.add, "-": operator.sub, "*": operator.mul,
              "/": operator.truediv, "**": operator.pow}

    def forward(*xs: float) -> float:
        vs = [Value(x) for x in xs]
        if name in binary:
            return binary[name](vs[0], vs[1]).data  # type: ignore[no-any-return]
        if name == "neg":
            return (-vs[0]).data
        if name == "abs":
            return abs(vs[0]).data
        if name == "sum":
            return value_sum(vs).data
        if name == "dot":
            n = len(vs) // 2
            bias = vs[2 * n] if len(vs) % 2 else None
            return dot(vs[:n], vs[n : 2 * n], bias).data
        return getattr(vs[0], name)().data  # type: ignore[no-any-return]

    return forward


def op_forward(name: str) -> Callable[..., float]:
    """``forward(*floats) -> float`` for op ``name``, raising as the eager op does."""
    ops = getattr(_engine_ops(), "OPS", None)
    if ops is not None:
        return ops[name].forward  # type: ignore[no-any-return]
    return _value_forward(name)


def op_local(name: str) -> Callable[..., tuple[Any, ...]]:
    """``local(out, *inputs) -> tuple`` of local derivatives for op ``name``."""
    module = _engine_ops()
    ops = getattr(module, "OPS", None)
    if ops is not None:
        return ops[name].local  # type: ignore[no-any-return]
    return module.LOCALS[name]  # type: ignore[no-any-return]


def known_op(name: str) -> bool:
    """Whether the engine has an op called ``name``."""
    module = _engine_ops()
    ops = getattr(module, "OPS", None)
    return name in (ops if ops is not None else module.LOCALS)


def _engine_ops() -> Any:
    from ..core import ops

    return ops
