"""Guards: the facts about the data a trace relied on, checked at every replay.

When traced code branches on a Value (``if x > 0``, ``max(values)``,
``bool(v)``), the trace only holds the branch that was taken. Each such
decision is recorded as a :class:`Guard`: "entry ``a`` compared with ``b``
gave ``result``". A replay whose guards do not all hold again is discarded
and the call runs eagerly, so the answer is always the eager one.

Example:
    >>> g = Guard(">", 0, ("number", 0.0), True, "f.py:3")
    >>> g.holds(2.0, 0.0), g.holds(-1.0, 0.0)
    (True, False)
    >>> str(g)
    'guard #0 > 0.0 (True at trace time, f.py:3)'
"""

from __future__ import annotations

import operator
import os
import sys
from dataclasses import dataclass
from typing import Any

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

COMPARE = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,  # an int argument used as structure keeps its value
}


@dataclass(frozen=True)
class Guard:
    """``entries[a] <kind> other`` was ``result`` when traced (``kind`` "bool": ``a != 0``).

    ``other`` is ``("entry", index)`` or ``("number", float)``; ``site`` is
    the user's ``file:line`` that made the decision.
    """

    kind: str
    a: int
    other: tuple[str, Any]
    result: bool
    site: str

    def holds(self, a: float, b: float) -> bool:
        """Whether the decision comes out the same for values ``a`` and ``b``."""
        if self.kind == "bool":
            return (a != 0.0) == self.result
        return COMPARE[self.kind](a, b) == self.result

    def __str__(self) -> str:
        rhs = f"#{self.other[1]}" if self.other[0] == "entry" else repr(self.other[1])
        what = f"bool(#{self.a})" if self.kind == "bool" else f"#{self.a} {self.kind} {rhs}"
        return f"guard {what} ({self.result} at trace time, {self.site})"


def user_site() -> str:
    """``file:line`` of the innermost frame outside the autograd_lite package."""
    frame: Any = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"
