"""PyTorch (float64) as the oracle: random expression graphs over every op."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite import Value

torch = pytest.importorskip("torch")

# Each op is applied in both engines through the same name; arguments are
# massaged first so every op stays in its domain (shared subexpressions are
# produced by drawing operands from the growing pool).
UNARY = ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos", "neg", "abs"]
BINARY = ["+", "-", "*", "/", "**", "dot", "sum"]


def _unary(name: str, v: Any, lib: str) -> Any:
    if name == "exp":
        return (v.tanh() * 3).exp() if lib == "ag" else torch.exp(torch.tanh(v) * 3)
    if name in ("log", "sqrt"):
        inner = v * v + 0.5
        return getattr(inner, name)() if lib == "ag" else getattr(torch, name)(inner)
    if name == "neg":
        return -v
    if name == "abs":
        return abs(v)
    return getattr(v, name)() if lib == "ag" else getattr(torch, name)(v)


def _binary(name: str, a: Any, b: Any, lib: str) -> Any:
    if name == "+":
        return a + b
    if name == "-":
        return a - b
    if name == "*":
        return a * b
    if name == "/":
        return a / (b * b + 1.0)
    if name == "**":
        base = a * a + 0.25
        exponent = b.tanh() * 2 if lib == "ag" else torch.tanh(b) * 2
        return base**exponent
    if name == "dot":
        if lib == "ag":
            return ag.dot([a, b], [b, a], bias=a)
        return a * b + b * a + a
    return ag.sum([a, b, a]) if lib == "ag" else a + b + a


programs = st.lists(
    st.tuples(
        st.sampled_from(UNARY + BINARY),
        st.integers(min_value=0, max_value=10_000),
        st.integers(min_value=0, max_value=10_000),
    ),
    min_size=1,
    max_size=30,
)
leaf_values = st.lists(
    st.floats(min_value=-2.0, max_value=2.0, allow_nan=False), min_size=1, max_size=4
)


def _run(program: list[tuple[str, int, int]], leaves: list[float], lib: str) -> tuple[Any, list]:
    if lib == "ag":
        inputs: list[Any] = [Value(x, label=f"x{i}") for i, x in enumerate(leaves)]
    else:
        inputs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaves]
    pool = list(inputs)
    for name, i, j in program:
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        pool.append(_unary(name, a, lib) if name in UNARY else _binary(name, a, b, lib))
    # Sum a few late nodes so several paths (and shared nodes) reach the output.
    out = pool[-1] + pool[len(pool) // 2] * 0.5
    return out, inputs


@settings(max_examples=300, deadline=None)
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


@settings(max_examples=100, deadline=None)
@given(programs, leaf_values)
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
