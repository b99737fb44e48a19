"""Every op in the shared table (tests/optable.py): values and first and second
derivatives against PyTorch float64, finite differences, domain errors, the
float-in/float-out functions, and every backward route bit for bit."""

from __future__ import annotations

import math
import struct
import sys
import threading
from typing import Any

import pytest
from optable import ALL, TABLE

import autograd_lite as ag
from autograd_lite import Value

ROUTES = ["fast", "hook", "anomaly", "steps", "gradients", "thread", "traced", "create_graph"]


def bits(x: Any) -> bytes:
    """The exact float, sign of zero and NaN payload aside (NaN is NaN)."""
    x = x.data if isinstance(x, Value) else float(x)
    return b"nan" if math.isnan(x) else struct.pack("<d", x + 0.0)


def grads_by(route: str, build: Any, n: int) -> list[bytes]:
    """Build a fresh graph and differentiate it by ``route``; the leaves' gradients, as bits."""
    leaves, y = build()
    if route == "fast":
        y.backward()
    elif route == "hook":
        y.register_hook(lambda g: None)  # any hook on the graph takes the general route
        y.backward()
    elif route == "anomaly":
        with ag.detect_anomaly():
            y.backward()
    elif route == "steps":
        for _ in y.backward_steps():
            pass
    elif route == "gradients":
        return [bits(g) for g in ag.gradients(y, leaves)]
    elif route == "thread":
        worker = threading.Thread(target=y.backward)
        worker.start()
        worker.join()
    elif route == "traced":  # as under a debugger: the readable route

        def tracer(frame: Any, event: str, arg: Any) -> None:
            return None

        sys.settrace(tracer)
        try:
            y.backward()
        finally:
            sys.settrace(None)
    elif route == "create_graph":
        y.backward(create_graph=True)
    return [bits(v.grad) for v in leaves]


def builder(name: str, point: tuple[float, ...]) -> Any:
    case = TABLE[name]

    def build() -> tuple[list[Value], Value]:
        leaves = [Value(p, label=f"x{i}") for i, p in enumerate(point)]
        out = case.ag_call(*leaves)
        return leaves, out * out + out  # the op's output used twice downstream

    return build


def test_the_table_covers_every_op_the_engine_defines() -> None:
    builtin = {name for name, op in ag.OPS.items() if not op.user}
    assert builtin - set(TABLE) == set()


def test_every_unary_record_is_a_value_method_and_a_module_function() -> None:
    for name, op in ag.OPS.items():
        if op.user or op.arity != 1 or name in ("neg", "abs"):
            continue
        assert getattr(Value, name).__name__ == name
        assert getattr(Value(1.5 if name == "acosh" else 0.5), name)().op == name
        if name != "identity":
            assert getattr(ag, name) is op


@pytest.mark.parametrize(
    "alias, name",
    [
        ("arcsin", "asin"),
        ("arccos", "acos"),
        ("arctan", "atan"),
        ("arcsinh", "asinh"),
        ("arccosh", "acosh"),
        ("arctanh", "atanh"),
    ],
)
def test_numpy_names_work_on_object_arrays(alias: str, name: str) -> None:
    np = pytest.importorskip("numpy")
    x = 1.5 if name == "acosh" else 0.5
    arr = np.array([Value(x), Value(x)], dtype=object)
    out = getattr(np, alias)(arr)
    assert [v.op for v in out] == [name, name]
    assert out[0].data == getattr(math, name)(x)
    assert getattr(ag, alias) is getattr(ag, name)


@pytest.mark.parametrize("name", [n for n in ALL if n not in ("sum", "dot")])
def test_module_function_gives_a_float_for_floats_and_a_value_for_values(name: str) -> None:
    case = TABLE[name]
    point = case.points[0]
    as_float = case.ag_call(*point)
    as_value = case.ag_call(*[Value(p) for p in point])
    assert type(as_float) is float
    assert isinstance(as_value, Value)
    assert bits(as_value) == bits(as_float)


@pytest.mark.parametrize("name", sorted(n for n in ALL if TABLE[n].bad))
def test_domain_errors_name_the_op_and_the_value(name: str) -> None:
    case = TABLE[name]
    assert case.bad is not None
    point, error = case.bad
    x = Value(point[0], label="x")
    with pytest.raises(error) as caught:
        ag.OPS[name](x)
    assert name in str(caught.value) and "x" in str(caught.value)
    with pytest.raises(error, match=name):
        ag.OPS[name](point[0])


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("route", ROUTES)
def test_every_route_gives_bit_identical_gradients(name: str, route: str) -> None:
    for point in TABLE[name].points:
        build = builder(name, point)
        assert grads_by(route, build, len(point)) == grads_by("fast", build, len(point)), point


@pytest.mark.parametrize("name", ALL)
def test_value_and_derivatives_match_pytorch_float64(name: str) -> None:
    torch = pytest.importorskip("torch")
    case = TABLE[name]
    for point in case.points:
        xs = [Value(p) for p in point]
        y = case.ag_call(*xs)
        firsts = ag.gradients(y, xs, create_graph=True)
        seconds = [
            [float(g) for g in ag.gradients(f, xs)] if isinstance(f, Value) else [0.0] * len(xs)
            for f in firsts
        ]
        ts = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in point]
        ty = case.torch_call(*ts)
        tfirst = torch.autograd.grad(ty, ts, create_graph=True, allow_unused=True)
        assert math.isclose(y.data, ty.item(), rel_tol=1e-12, abs_tol=1e-300), point
        for i, (f, tf) in enumerate(zip(firsts, tfirst)):
            expected = 0.0 if tf is None else tf.item()
            assert math.isclose(float(f), expected, rel_tol=1e-12, abs_tol=1e-12), (point, i)
            if tf is None or not tf.requires_grad:
                continue
            tsecond = torch.autograd.grad(tf, ts, allow_unused=True, retain_graph=True)
            for j, ts_ in enumerate(tsecond):
                want = 0.0 if ts_ is None else ts_.item()
                got = seconds[i][j]
                assert math.isclose(got, want, rel_tol=1e-10, abs_tol=1e-12), (point, i, j)


@pytest.mark.parametrize("name", [n for n in ALL if TABLE[n].smooth])
def test_gradcheck_and_gradgradcheck(name: str) -> None:
    case = TABLE[name]
    for point in case.points:
        assert ag.gradcheck(case.ag_call, list(point))
        assert ag.gradgradcheck(case.ag_call, list(point))
