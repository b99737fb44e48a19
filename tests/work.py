"""Work counted, not timed: "this stops early" checked without a clock.

Tests never assert on time (the machine's speed would decide them). To show
that a drawing or a refusal does not walk a huge graph, they count the
function calls it makes instead: a deterministic number that a walk over a
million nodes cannot stay under.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def calls_made(fn: Callable[[], T]) -> tuple[T, int]:
    """Run ``fn()``; return its result and how many functions (Python or C) it called.

    Example:
        >>> result, calls = calls_made(lambda: sorted([3, 1, 2]))
        >>> result, 0 < calls < 10
        ([1, 2, 3], True)
    """
    calls = 0

    def count(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        calls += event in ("call", "c_call")

    previous = sys.getprofile()
    sys.setprofile(count)
    try:
        result = fn()
    finally:
        sys.setprofile(previous)
    return result, calls
