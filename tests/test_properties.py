"""Property-based tests on random graphs, with no oracle but the math itself."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from optable import SMOOTH
from optable import build as table_build

import autograd_lite as ag
from autograd_lite import Value


def build(program: list[tuple[str, int, int]], xs: list[Any]) -> Any:
    """A random expression over ``xs`` from the shared op table (smooth ops only,
    so finite differences apply); operands come from the growing pool, so nodes
    are shared, and each op's operands are shaped into its domain."""
    return table_build(program, xs, "ag")


programs = st.lists(
    st.tuples(st.sampled_from(SMOOTH), st.integers(0, 999), st.integers(0, 999)),
    min_size=1,
    max_size=20,
)
points = st.lists(st.floats(-1.5, 1.5), min_size=1, max_size=3)


@settings(max_examples=150, deadline=None)
@given(programs, points)
def test_gradients_match_central_differences(program: list, point: list[float]) -> None:
    assert ag.gradcheck(lambda *xs: build(program, list(xs)), point, atol=1e-4, rtol=1e-3)


@settings(max_examples=100, deadline=None)
@given(programs, points)
def test_backward_twice_is_exactly_double(program: list, point: list[float]) -> None:
    xs = [Value(p) for p in point]
    out = build(program, xs)
    out.backward()
    once = [x.grad for x in xs]
    out.backward()
    assert [x.grad for x in xs] == [2 * g for g in once]


@settings(max_examples=100, deadline=None)
@given(programs, points)
def test_backward_agrees_with_functional_gradients(program: list, point: list[float]) -> None:
    xs = [Value(p) for p in point]
    out = build(program, xs)
    expected = ag.gradients(out, xs)
    out.backward()
    assert [x.grad for x in xs] == expected


@settings(max_examples=60, deadline=None)
@given(programs, points)
def test_create_graph_gives_the_same_first_derivatives(program: list, point: list[float]) -> None:
    xs = [Value(p) for p in point]
    out = build(program, xs)
    plain = ag.gradients(out, xs)
    recorded = ag.gradients(out, xs, create_graph=True)
    for a, b in zip(plain, recorded):
        assert math.isclose(a, float(b), rel_tol=1e-12, abs_tol=1e-12)


@settings(max_examples=40, deadline=None)
@given(programs, st.floats(-1.5, 1.5))
def test_second_derivatives_match_differences_of_first(program: list, x: float) -> None:
    f = lambda v: build(program, [v])  # noqa: E731
    assume(math.isfinite(ag.grad(f)(x)))
    assert ag.gradgradcheck(f, [x], atol=1e-3, rtol=1e-3)


@given(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3))
def test_sum_rule_and_product_rule(a: float, b: float) -> None:
    x, y = Value(a), Value(b)
    (x * y + x).backward()
    assert x.grad == b + 1.0 and y.grad == a
