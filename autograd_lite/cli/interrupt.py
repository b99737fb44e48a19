"""Ctrl-C that cannot be lost: the command line remembers it, not only the exception.

Python turns SIGINT into a ``KeyboardInterrupt`` raised wherever the program
happens to be. A few places swallow it: a finalizer or weakref callback only
prints "Exception ignored", and an extension module interrupted while it
loads reports an ``ImportError`` (numpy's C core does), which a
``try: import numpy`` then takes for "numpy is not installed". The command
line would go on (after printing a traceback), or fail with a misleading
error. So while it runs, a
handler records that Ctrl-C was pressed before raising; the training loop
calls :func:`check` once per step, and ``main`` asks :func:`pressed` before
it reports any outcome.

Example:
    >>> with watching():
    ...     pressed()
    False
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

_pressed = threading.Event()


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    _pressed.set()
    raise KeyboardInterrupt


def _quiet_about_ctrl_c(previous: object) -> object:
    """An unraisable hook that drops the KeyboardInterrupts a finalizer swallowed."""

    def hook(unraisable: object) -> None:
        if not isinstance(getattr(unraisable, "exc_value", None), KeyboardInterrupt):
            previous(unraisable)  # type: ignore[operator]

    return hook


@contextmanager
def watching() -> Iterator[None]:
    """Record Ctrl-C for the duration of the block (main thread, Python's default handler only).

    Example:
        >>> with watching():
        ...     check()  # nothing pressed: returns
    """
    _pressed.clear()
    ours = (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    )
    unraisable = sys.unraisablehook
    if ours:
        signal.signal(signal.SIGINT, _on_sigint)
        # A Ctrl-C that lands in a finalizer would print "Exception ignored ...
        # KeyboardInterrupt" and a traceback; it is remembered, so say nothing.
        sys.unraisablehook = _quiet_about_ctrl_c(unraisable)  # type: ignore[assignment]
    try:
        yield
    finally:
        if ours:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            sys.unraisablehook = unraisable
        _pressed.clear()


def pressed() -> bool:
    """Whether Ctrl-C was pressed inside the current :func:`watching` block.

    Example:
        >>> with watching():
        ...     pressed()
        False
    """
    return _pressed.is_set()


def check() -> None:
    """Raise ``KeyboardInterrupt`` if Ctrl-C was pressed, even if its exception was swallowed.

    Example:
        >>> check()  # outside watching(), or nothing pressed: returns
    """
    if _pressed.is_set():
        raise KeyboardInterrupt
