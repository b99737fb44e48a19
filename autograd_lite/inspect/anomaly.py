"""detect_anomaly(): raise at the first NaN or infinity, naming the op and the line that made it.

Example:
    >>> import autograd_lite as ag
    >>> with ag.detect_anomaly():
    ...     y = ag.Value(2.0) * 3
    >>> y.data
    6.0
"""

from __future__ import annotations

import functools
import linecache
import math
import os
import sys
import threading
import weakref
from collections.abc import Callable
from types import FrameType
from typing import Any, TypeVar

from ..core import Monitor, Value, watch
from ..core.display import fmt, node_name

F = TypeVar("F", bound=Callable[..., Any])


# --- detect_anomaly --------------------------------------------------------


class AnomalyError(FloatingPointError):
    """A NaN or infinity appeared while :class:`detect_anomaly` was on.

    A subclass of ``FloatingPointError`` (numpy's error for the same event),
    so ``except ArithmeticError`` catches it too.

    Attributes:
        op: the operation that produced the value.
        site: ``(filename, line)`` where that operation was created, or None
            if it was created outside ``detect_anomaly()``.

    Example:
        >>> issubclass(AnomalyError, ArithmeticError)
        True
    """

    def __init__(self, message: str, op: str, site: tuple[str, int] | None) -> None:
        super().__init__(message)
        self.op = op
        self.site = site


#: Where each node was created, recorded while detect_anomaly() is on.
_SITES: weakref.WeakKeyDictionary[Value, tuple[str, int, str]] = weakref.WeakKeyDictionary()
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_INSIDE: dict[str, bool] = {}  # filename -> part of this package? (abspath is slow)


def _user_frame() -> tuple[str, int, str] | None:
    """The innermost stack frame outside autograd_lite: the line of user code at work."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        inside = _INSIDE.get(filename)
        if inside is None:
            inside = _INSIDE[filename] = os.path.abspath(filename).startswith(_PACKAGE)
        if not inside:
            return filename, frame.f_lineno, frame.f_code.co_name
        frame = frame.f_back
    return None


def _where(site: tuple[str, int, str] | None) -> str:
    if site is None:
        return "created outside detect_anomaly(); run the forward pass inside it to see where"
    filename, line, function = site
    code = linecache.getline(filename, line).strip()
    return f"created at {filename}:{line} in {function}" + (f"\n        {code}" if code else "")


def _bad(x: Any) -> bool:
    """True for NaN or ±inf (a float, or a Value's data under create_graph)."""
    return not math.isfinite(x.data if isinstance(x, Value) else x)


class _AnomalyMonitor(Monitor):
    """What the engine tells detect_anomaly(): every new node, every backward update."""

    def forward(self, out: Value, op: str, inputs: tuple[Value, ...]) -> None:
        site = _user_frame()
        if site is not None:
            _SITES[out] = site
        if _bad(out.data):
            shown = ", ".join(fmt(v.data) if v.is_constant else repr(v) for v in inputs)
            raise AnomalyError(
                f"{op} produced {fmt(out.data)} in the forward pass\n"
                f"    inputs: {shown}\n    {_where(site)}",
                op,
                site[:2] if site else None,
            )

    def backward(self, node: Value, grad: Any, contributions: tuple[Any, ...]) -> None:
        # A constant's gradient is never used (pow's exponent derivative at a
        # negative base is NaN by design), so constants are not checked.
        if node.is_constant:
            return
        site = _SITES.get(node)
        if _bad(grad):
            self._raise(
                f"the gradient reaching {node_name(node)} is {fmt(grad)} "
                f"(the seed, or a hook's return value)",
                node,
                site,
            )
        for position, (inp, c) in enumerate(zip(node.inputs, contributions)):
            if _bad(c) and not inp.is_constant:
                local = node.local_grads[position]
                self._raise(
                    f"backward of {node.op} produced {fmt(c)} for its input {position + 1}"
                    f" ({node_name(inp)}): local derivative {fmt(local)} × upstream"
                    f" gradient {fmt(grad)}",
                    node,
                    site,
                )

    @staticmethod
    def _raise(message: str, node: Value, site: tuple[str, int, str] | None) -> None:
        inputs = ", ".join(repr(v) for v in node.inputs)
        raise AnomalyError(
            f"{message}\n    node: {node!r}\n    inputs: {inputs or '(a leaf)'}\n"
            f"    {_where(site)}",
            node.op,
            site[:2] if site else None,
        )


class _Saved(threading.local):
    def __init__(self) -> None:
        self.watches: list[Any] = []


_saved = _Saved()


class detect_anomaly:
    """Raise :class:`AnomalyError` at the first NaN or infinity, forward or backward.

    Inside it, every new node remembers the line of your code that created
    it. The first operation whose result is NaN or ±inf raises at once,
    naming the op, its inputs and that line; in the backward pass, the first
    non-finite gradient raises naming the op whose local derivative produced
    it and where that op was created. Gradients of plain-number constants
    are ignored (they are never used).

    It is a context manager and a decorator, affects only the current
    thread, nests, and restores the previous state on exit (also on error).
    It slows every operation down, so use it to hunt a bug, then remove it.

    Example:
        >>> import autograd_lite as ag
        >>> x = ag.Value(1e308, label="x")
        >>> with ag.detect_anomaly():
        ...     y = x * 10
        Traceback (most recent call last):
        ...
        autograd_lite.inspect.anomaly.AnomalyError: * produced inf in the forward pass
        ...
    """

    def __enter__(self) -> detect_anomaly:
        watching = watch(_AnomalyMonitor())
        watching.__enter__()
        _saved.watches.append(watching)
        return self

    def __exit__(self, *exc: Any) -> None:
        _saved.watches.pop().__exit__(*exc)

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]
