"""Shared pieces of the benchmarks: result rows, timing, agreement checks, peers.

Every section module returns a list of :class:`Row`; ``run.py`` turns them into
one Markdown table. Timing and checking live here so that every peer is
measured and checked the same way.
"""

from __future__ import annotations

import gc
import importlib
import math
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType

#: Relative tolerance for "computes the same loss and gradients".
RTOL = 1e-9


class Disagreement(Exception):
    """A variant computed a different loss or gradient than the reference."""


@dataclass(frozen=True)
class Row:
    """One line of the results table.

    Args:
        section: the section letter and name, e.g. ``"(a) MLP step"``.
        measure: what is measured, e.g. ``"time per step"``.
        variant: who is measured, e.g. ``"micrograd 0.1.0, gc off"``.
        value: the median (a float in ``unit``), a word such as ``"yes"``, or
            None when the variant was skipped.
        unit: ``"s"`` (shown as µs/ms/s), ``"nodes/s"``, ``"B/node"`` or ``""``.
        ratio: how many times better autograd_lite is than this row (above 1:
            autograd_lite wins); None for the autograd_lite row itself.
        words: how to say "better" and "worse" for this unit.
        goal: the target from the benchmark issue, in words, or "".
        met: whether the target is met; None when there is no target.
        note: anything a reader needs to interpret the row.
    """

    section: str
    measure: str
    variant: str
    value: float | str | None
    unit: str = "s"
    ratio: float | None = None
    words: tuple[str, str] = ("faster", "slower")
    goal: str = ""
    met: bool | None = None
    note: str = ""


@dataclass(frozen=True)
class Peers:
    """The optional libraries the benchmarks compare against.

    Each field is the imported module, or None with the reason in ``*_why``.
    """

    autograd_lite: ModuleType | None
    autograd_lite_why: str
    micrograd: ModuleType | None
    micrograd_why: str
    torch: ModuleType | None
    torch_why: str


def _try_import(name: str) -> tuple[ModuleType | None, str]:
    """Import ``name``, returning ``(module, "")`` or ``(None, reason)``."""
    try:
        return importlib.import_module(name), ""
    except Exception as exc:  # any failure means "not available", with the reason
        return None, f"{name} not importable ({type(exc).__name__}: {exc})"


def load_peers() -> Peers:
    """Import autograd_lite, micrograd (with its nn) and torch, whichever exist.

    Example:
        >>> peers = load_peers()
        >>> peers.torch is None or hasattr(peers.torch, "tensor")
        True
    """
    ag, ag_why = _try_import("autograd_lite")
    if ag is not None and not hasattr(ag, "Value"):
        ag, ag_why = None, "autograd_lite has no Value yet"
    mg, mg_why = _try_import("micrograd.nn")
    if mg is not None:
        mg = importlib.import_module("micrograd")
    torch, torch_why = _try_import("torch")
    if torch is not None:
        # Pure Python is single-threaded; give torch the same single core so the
        # batched row measures the library, not thread start-up on tiny matrices.
        torch.set_num_threads(1)
    return Peers(ag, ag_why, mg, mg_why, torch, torch_why)


@contextmanager
def gc_state(enabled: bool) -> Iterator[None]:
    """Run the block with the cyclic garbage collector on or off, then restore it."""
    was = gc.isenabled()
    if enabled:
        gc.enable()
    else:
        gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
        else:
            gc.disable()


def measure(run: Callable[[], object], repeats: int, *, gc_enabled: bool = True) -> float:
    """Time ``run()`` ``repeats`` times and return the median in seconds.

    With the cyclic gc on, the repetitions run back to back, as in a training
    loop: whatever garbage one leaves, the gc deals with during the next, as it
    would for a user. With the gc off, garbage is collected between repetitions,
    outside the timing (so memory does not grow without bound).

    Example:
        >>> measure(lambda: sum(range(10)), repeats=3) >= 0.0
        True
    """
    times = []
    gc.collect()
    for _ in range(repeats):
        with gc_state(gc_enabled):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        if not gc_enabled:
            gc.collect()
    gc.collect()
    return statistics.median(times)


def close(a: float, b: float, scale: float = 0.0, rtol: float = RTOL) -> bool:
    """Whether ``a`` and ``b`` agree to ``rtol`` relative to the larger of them.

    ``scale`` is the size of the numbers they were computed from: a gradient
    that cancels to nearly zero is compared relative to that scale instead.

    Example:
        >>> close(1.0, 1.0 + 1e-12), close(1.0, 1.001)
        (True, False)
    """
    if not (math.isfinite(a) and math.isfinite(b)):
        return False
    return abs(a - b) <= rtol * max(abs(a), abs(b), rtol * scale)


def check_agrees(
    what: str, variant: str, got: Sequence[float], want: Sequence[float], reference: str
) -> None:
    """Raise :class:`Disagreement` unless ``got`` matches ``want`` element by element.

    Example:
        >>> check_agrees("loss", "plain", [1.0], [1.0], "autograd_lite")
    """
    if len(got) != len(want):
        raise Disagreement(f"{variant}: {what} has {len(got)} entries, {reference} has {len(want)}")
    scale = max((abs(x) for x in want), default=0.0)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        if not close(g, w, scale):
            raise Disagreement(
                f"{variant} disagrees with {reference} on {what}[{i}]: "
                f"{g!r} vs {w!r} (relative tolerance {RTOL:g})"
            )


def ratio(reference: float | None, other: float | None, higher_is_better: bool) -> float | None:
    """How many times better ``reference`` (autograd_lite) is than ``other``.

    Example:
        >>> ratio(0.1, 1.0, higher_is_better=False)
        10.0
    """
    if reference is None or other is None or reference <= 0 or other <= 0:
        return None
    return reference / other if higher_is_better else other / reference
