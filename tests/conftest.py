"""Shared test helpers."""

from __future__ import annotations

import math


def close(a: float, b: float, rel: float = 1e-12, abs_: float = 1e-12) -> bool:
    """Relative closeness that treats equal infinities as equal."""
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), abs_)


# --- no test may leave global state behind ----------------------------------------
# A leaked hook once sent most of the suite down the slow path while the fast
# one went untested; this fixture fails the test that leaks, and resets the
# state so the tests after it still exercise what they claim to.

import gc  # noqa: E402
import sys  # noqa: E402
from collections.abc import Iterator  # noqa: E402

import pytest  # noqa: E402

from autograd_lite.core import backward as _backward  # noqa: E402
from autograd_lite.core import mode as _mode  # noqa: E402
from autograd_lite.core import value as _value  # noqa: E402


def _held(lock: object) -> bool:
    """Whether ``lock`` (an RLock) is held by this thread or any other."""
    if lock._is_owned():
        return True
    if lock.acquire(blocking=False):
        lock.release()
        return False
    return True


def _leaks() -> list[str]:
    found = []
    state = _mode.mode
    if state.monitor is not None:
        found.append(f"a monitor is still installed ({state.monitor!r})")
    if not state.recording:
        found.append("recording is off (a no_grad was not exited)")
    if state.saved:
        found.append(f"{len(state.saved)} no_grad/enable_grad states were not restored")
    if _mode.special:
        found.append(f"{_mode.special} thread(s) counted as not in plain mode")
    if _held(_backward._FAST):
        found.append("the fast backward route's lock is held")
    if _backward._running.hooks:
        found.append("a hook is marked as running")
    if sys.gettrace() is not None:
        found.append("a trace function is installed")
    if _value.HOOKED:
        gc.collect()
        if _value.HOOKED:
            found.append(f"{len(_value.HOOKED)} Value(s) with hooks are still alive")
    return found


def _reset() -> None:
    state = _mode.mode
    state.monitor = None
    state.recording = True
    state.saved.clear()
    state.refresh()
    _mode.special = 0
    _backward._running.hooks.clear()
    sys.settrace(None)
    for node in list(_value.HOOKED):
        del node._hooks
    _value.HOOKED.clear()


@pytest.fixture(autouse=True)
def no_global_state_left_behind() -> Iterator[None]:
    """Fail a test that leaves a hook, a mode switch, a monitor or a tracer behind."""
    yield
    leaks = _leaks()
    if leaks:
        _reset()
        pytest.fail("the test left global state behind: " + "; ".join(leaks), pytrace=False)
