"""Ops at their edges, against PyTorch float64 and Python: the quotient behind ``%``,
infinite slopes at singular points, a negative base to an infinite power, and
numpy's ufuncs on object arrays of Values."""

from __future__ import annotations

from typing import Any

import pytest

import autograd_lite as ag
from autograd_lite import Value


def torch_grads(f: Any, *point: float) -> tuple[float, list[float]]:
    """PyTorch float64's value and first derivatives of ``f`` at ``point``."""
    torch = pytest.importorskip("torch")
    ts = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in point]
    y = f(*ts)
    return y.item(), [g.item() for g in torch.autograd.grad(y, ts)]


def same(a: float, b: float) -> bool:
    """Equal, or both NaN, or both infinite with the same sign."""
    return a == b or (a != a and b != b)


# --- % : the quotient the forward used ---------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "slope"), [(1.0, 0.1, -9.0), (0.5, 0.1, -4.0), (1.1, -0.1, 12.0), (0.7, 0.1, -6.0)]
)
def test_mod_divisor_slope_uses_pythons_quotient(a: float, b: float, slope: float) -> None:
    x, y = Value(a), Value(b)
    (x % y).backward()
    assert (x.grad, y.grad) == (1.0, slope)
    assert y.grad == -(a // b)


GRID = [-2.5, -1.0, -0.7, -0.3, 0.1, 0.3, 0.7, 1.0, 2.5, 7.0]


@pytest.mark.parametrize("b", GRID)
def test_mod_matches_torch_remainder_on_a_grid(b: float) -> None:
    torch = pytest.importorskip("torch")
    for a in GRID:
        x, y = Value(a), Value(b)
        out = x % y
        out.backward()
        value, (da, db) = torch_grads(torch.remainder, a, b)
        assert out.data == value, (a, b)
        assert (x.grad, y.grad) == (da, db), (a, b)


@pytest.mark.xfail(
    strict=True,
    reason="kernels.py still has -np.floor(a / b) for the divisor of % (its owner changes it)",
)
def test_mod_compiled_divisor_slope_is_eagers() -> None:
    b = Value(1.0)

    def f(xs: list[float]) -> Value:
        return ag.sum([x % (b * 0.1) for x in xs])

    step = ag.compile(f, tier="numpy")
    for _ in range(2):  # the trace, then a replay
        b.grad = 0.0
        step([1.0]).backward()
    assert step.mode == "numpy", step.fallback_reason
    assert b.grad == -0.9  # 0.1 · -(1.0 // 0.1), as eagerly


def test_mod_second_derivatives_are_zero_under_create_graph() -> None:
    x, y = Value(1.0), Value(0.1)
    dx, dy = ag.gradients(x % y, [x, y], create_graph=True)
    assert float(dy) == -9.0
    for first in (dx, dy):
        seconds = ag.gradients(first, [x, y]) if isinstance(first, Value) else [0.0, 0.0]
        assert [float(s) for s in seconds] == [0.0, 0.0]
