"""Per-thread switches: recording on or off (``no_grad``), and a watching monitor.

Recording mode and the monitor belong to the thread that set them. Reading a
thread-local costs more than the rest of a small operation, so the engine
first reads the module global ``special``: the number of threads that are not
in plain mode (recording, nothing watching). While it is 0, the hot path reads
no thread-local at all.

A *monitor* watches the engine from above without the core knowing about it:
``detect_anomaly`` and ``ag.compile``'s tracer are monitors. Subclass
:class:`Monitor`, override what you need, and install it with :func:`watch`.

Example:
    >>> import autograd_lite as ag
    >>> with ag.no_grad():
    ...     ag.is_grad_enabled()
    False
    >>> ag.is_grad_enabled()
    True
"""

from __future__ import annotations

import functools
import inspect
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class Monitor:
    """What the engine tells a watcher; every method does nothing unless overridden.

    * ``forward(out, op, inputs)``: a node was just created by ``op`` (its name).
    * ``constant(c)``: a constant leaf was just made from a plain number.
    * ``guard(kind, value, other, result)``: Python control flow looked at a
      Value: kind ``"<" "<=" ">" ">="`` (``other`` the other operand),
      ``"bool"``, or ``"float" "int" "item"`` (``result`` is what was returned).
    * ``backward(node, grad, contributions)``: the backward pass finished one
      node (its gradient and what it passed to each input).

    Example:
        >>> import autograd_lite as ag
        >>> class Count(Monitor):
        ...     n = 0
        ...     def forward(self, out, op, inputs):
        ...         self.n += 1
        >>> counter = Count()
        >>> with watch(counter):
        ...     y = ag.Value(2.0) * 3 + 1
        >>> counter.n
        2
    """

    def forward(self, out: Any, op: str, inputs: tuple[Any, ...]) -> None:
        """Called for every node created while this monitor watches."""

    def guard(self, kind: str, value: Any, other: Any, result: Any) -> None:
        """Called when a comparison, ``bool()``, ``float()`` or ``int()`` reads a Value."""

    def backward(self, node: Any, grad: Any, contributions: tuple[Any, ...]) -> None:
        """Called after the backward pass handled ``node``."""

    def constant(self, c: Any) -> None:
        """Called for every constant leaf made from a plain number (the 2 in ``x * 2``)."""


class _Mode(threading.local):
    """This thread's switches; ``plain`` caches "recording, and nothing watching"."""

    def __init__(self) -> None:
        self.recording = True
        self.monitor: Monitor | None = None
        self.plain = True
        self.saved: list[bool] = []  # recording states saved by no_grad/enable_grad

    def refresh(self) -> None:
        """Recompute ``plain`` (and the global count) after a switch changed."""
        global special
        plain = self.recording and self.monitor is None
        if plain != self.plain:
            with _lock:
                special += -1 if plain else 1
            self.plain = plain


#: Number of threads not in plain mode; while 0 the hot path skips the thread-local.
special = 0
_lock = threading.Lock()
mode = _Mode()


def is_grad_enabled() -> bool:
    """Whether operations in this thread are being recorded.

    Example:
        >>> import autograd_lite as ag
        >>> with ag.no_grad():
        ...     ag.is_grad_enabled()
        False
    """
    return mode.recording


@contextmanager
def watch(monitor: Monitor) -> Iterator[Monitor]:
    """Install ``monitor`` for this thread for the duration of the block (they nest).

    Example:
        >>> seen = []
        >>> class Ops(Monitor):
        ...     def forward(self, out, op, inputs):
        ...         seen.append(op)
        >>> import autograd_lite as ag
        >>> with watch(Ops()):
        ...     _ = ag.Value(1.0).exp()
        >>> seen
        ['exp']
    """
    if not isinstance(monitor, Monitor):
        raise TypeError(f"watch() needs a Monitor, got {type(monitor).__name__} {monitor!r}")
    previous = mode.monitor
    mode.monitor = monitor
    mode.refresh()
    try:
        yield monitor
    finally:
        mode.monitor = previous
        mode.refresh()


def current_monitor() -> Monitor | None:
    """The monitor watching this thread, or None.

    Example:
        >>> current_monitor() is None
        True
    """
    return mode.monitor


class _GradMode:
    """Context manager and decorator that switches recording for the current thread.

    One instance may be shared by threads and nested: what is restored on exit
    is kept per thread, not on the instance. Usable bare (``@no_grad``) or
    called (``@no_grad()``); on a generator function it covers every resumption
    of the generator's body, not just its creation.
    """

    _enabled: bool

    def __new__(cls, fn: Callable[..., Any] | None = None) -> Any:
        self = super().__new__(cls)
        if fn is None:
            return self
        if not callable(fn):
            raise TypeError(
                f"{cls.__name__}() takes no arguments, or decorates a function;"
                f" got {type(fn).__name__} {fn!r}"
            )
        return self(fn)

    def __init__(self, fn: Callable[..., Any] | None = None) -> None:
        pass

    def __enter__(self) -> None:
        mode.saved.append(mode.recording)
        mode.recording = self._enabled
        mode.refresh()

    def __exit__(self, *exc: object) -> None:
        mode.recording = mode.saved.pop()
        mode.refresh()

    def __call__(self, fn: F) -> F:
        switch = type(self)
        if inspect.isgeneratorfunction(fn):

            @functools.wraps(fn)
            def generator(*args: Any, **kwargs: Any) -> Any:
                return (yield from _switched(switch, fn(*args, **kwargs)))

            return generator  # type: ignore[return-value]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with switch():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def _switched(switch: type[_GradMode], gen: Any) -> Any:
    """Drive ``gen`` with the mode switched for each resumption, and restored in between."""
    try:
        with switch():
            item = gen.send(None)
        while True:
            try:
                sent = yield item
            except GeneratorExit:
                with switch():
                    gen.close()
                raise
            except BaseException:
                with switch():
                    item = gen.throw(*sys.exc_info()[1:2])
            else:
                with switch():
                    item = gen.send(sent)
    except StopIteration as stop:
        return stop.value


class no_grad(_GradMode):
    """Record nothing: results are plain leaves with no history (fast inference).

    A context manager and a decorator (bare or called, on functions and on
    generator functions); it affects only the current thread.

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
