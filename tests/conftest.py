"""Shared test helpers."""

from __future__ import annotations

import math


def close(a: float, b: float, rel: float = 1e-12, abs_: float = 1e-12) -> bool:
    """Relative closeness that treats equal infinities as equal."""
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), abs_)
