"""PyTorch (float64) as the oracle: random expression graphs over every op."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from optable import ALL, SMOOTH, build

import autograd_lite as ag
from autograd_lite import Value

torch = pytest.importorskip("torch")


# Every op of the shared table (tests/optable.py), applied in both engines
# through the table's own twin calls, which shape operands into each op's
# domain and keep the graphs well conditioned (saturating and periodic
# functions see squash(v) = v / (|v| + 1), inside (-1, 1): without it, a 1-ulp
# difference between two libms' tanh near ±1 becomes a relative difference of
# 1e-8 in 1 - tanh², and no engine could agree to 1e-12). Shared
# subexpressions come from drawing operands from the growing pool.
def programs_of(ops: list[str]) -> st.SearchStrategy[list[tuple[str, int, int]]]:
    """Random programs over ``ops``: (op, operand index, operand index) triples."""
    pick = st.integers(min_value=0, max_value=10_000)
    return st.lists(st.tuples(st.sampled_from(ops), pick, pick), min_size=1, max_size=30)


programs = programs_of(ALL)
leaf_values = st.lists(
    st.floats(min_value=-2.0, max_value=2.0, allow_nan=False), min_size=1, max_size=4
)


def _run(program: list[tuple[str, int, int]], leaves: list[float], lib: str) -> tuple[Any, list]:
    if lib == "ag":
        inputs: list[Any] = [Value(x, label=f"x{i}") for i, x in enumerate(leaves)]
    else:
        inputs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaves]
    return build(program, inputs, lib), inputs


@settings(max_examples=500, deadline=None)
@given(programs, leaf_values)
def test_random_graphs_match_pytorch(
    program: list[tuple[str, int, int]], leaves: list[float]
) -> None:
    out, xs = _run(program, leaves, "ag")
    ref, ts = _run(program, leaves, "torch")
    out.backward()
    ref.backward()
    assert math.isclose(out.data, ref.item(), rel_tol=1e-12, abs_tol=1e-12)
    for x, t in zip(xs, ts):
        expected = 0.0 if t.grad is None else t.grad.item()
        if math.isnan(expected):
            assert math.isnan(x.grad)
            continue
        assert math.isclose(x.grad, expected, rel_tol=1e-12, abs_tol=1e-12), (
            x.label,
            x.grad,
            expected,
        )


smooth_programs = programs_of(SMOOTH)


# Second derivatives only where they exist: at a kink (relu, elu at 0) each
# library picks a side, and both are right.
@settings(max_examples=100, deadline=None)
@given(smooth_programs, leaf_values)
def test_random_graphs_second_order_match_pytorch(
    program: list[tuple[str, int, int]], leaves: list[float]
) -> None:
    out, xs = _run(program, leaves, "ag")
    ref, ts = _run(program, leaves, "torch")
    first = ag.gradients(out, [xs[0]], create_graph=True)[0]
    (tfirst,) = torch.autograd.grad(ref, ts[0], create_graph=True, allow_unused=True)
    if tfirst is None or not tfirst.requires_grad:
        return
    tsecond = torch.autograd.grad(tfirst, ts, allow_unused=True)
    second = ag.gradients(first, xs) if isinstance(first, Value) else [0.0] * len(xs)
    for got, t in zip(second, tsecond):
        expected = 0.0 if t is None else t.item()
        if math.isnan(expected):
            continue
        assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-10), (got, expected)


def test_second_derivative_of_power_at_zero_exponent() -> None:
    """f = B(x)^E(x) with E(0) = 0: d²f/dx² = f·(L'² + L''), L = E·ln B.

    Here B = e^(6 tanh x) + 1/4 and E = 2 tanh x, so at 0: L' = 2 ln 1.25 and
    L'' = 2·E'·B'/B = 2·2·6/1.25 = 19.2. PyTorch 2.13 gives 9.6 for L'' (its
    pow backward zeroes the base's term when the exponent is 0, and that
    term's derivative is lost); the engine gives the exact value.
    """

    def f(x: Value) -> Value:
        return ((x.tanh() * 6).exp() + 0.25) ** (x.tanh() * 2)

    expected = (2 * math.log(1.25)) ** 2 + 19.2
    assert math.isclose(ag.grad(ag.grad(f))(0.0), expected, rel_tol=1e-12)
    assert ag.gradgradcheck(f, [0.0])
