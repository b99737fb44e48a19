"""Every op: its value and derivative against the hand-derived formula,
gradcheck at many points (edges included), and second derivatives."""

from __future__ import annotations

import math

import pytest

import autograd_lite as ag
from autograd_lite import Value

# name -> (function of a Value, value formula, first derivative, second derivative, points)
UNARY = {
    "exp": (lambda v: v.exp(), math.exp, math.exp, math.exp, [-30.0, -2.0, 0.0, 0.7, 5.0]),
    "log": (
        lambda v: v.log(),
        math.log,
        lambda x: 1 / x,
        lambda x: -1 / x**2,
        [1e-6, 0.1, 1.0, 2.5, 1e4],
    ),
    "sqrt": (
        lambda v: v.sqrt(),
        math.sqrt,
        lambda x: 0.5 / math.sqrt(x),
        lambda x: -0.25 * x**-1.5,
        [1e-4, 0.5, 1.0, 9.0, 1e6],
    ),
    "tanh": (
        lambda v: v.tanh(),
        math.tanh,
        lambda x: 1 - math.tanh(x) ** 2,
        lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2),
        [-20.0, -1.5, 0.0, 0.3, 4.0],
    ),
    "sigmoid": (
        lambda v: v.sigmoid(),
        lambda x: 1 / (1 + math.exp(-x)),
        lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2,
        lambda x: (
            (1 / (1 + math.exp(-x))) * (1 - 1 / (1 + math.exp(-x))) * (1 - 2 / (1 + math.exp(-x)))
        ),
        [-30.0, -2.0, 0.0, 1.0, 30.0],
    ),
    "relu": (
        lambda v: v.relu(),
        lambda x: max(0.0, x),
        lambda x: 1.0 if x > 0 else 0.0,
        lambda x: 0.0,
        [-3.0, -1e-9, 1e-9, 0.5, 7.0],
    ),
    "sin": (lambda v: v.sin(), math.sin, math.cos, lambda x: -math.sin(x), [-3.0, 0.0, 1.0, 2.0]),
    "cos": (
        lambda v: v.cos(),
        math.cos,
        lambda x: -math.sin(x),
        lambda x: -math.cos(x),
        [-3.0, 0.0, 1.0, 2.0],
    ),
    "neg": (lambda v: -v, lambda x: -x, lambda x: -1.0, lambda x: 0.0, [-2.0, 0.0, 3.5]),
    "abs": (
        lambda v: abs(v),
        abs,
        lambda x: math.copysign(1.0, x),
        lambda x: 0.0,
        [-2.0, -1e-3, 1e-3, 3.5],
    ),
}

BINARY = {
    "+": (lambda a, b: a + b, lambda x, y: x + y, lambda x, y: (1.0, 1.0)),
    "-": (lambda a, b: a - b, lambda x, y: x - y, lambda x, y: (1.0, -1.0)),
    "*": (lambda a, b: a * b, lambda x, y: x * y, lambda x, y: (y, x)),
    "/": (lambda a, b: a / b, lambda x, y: x / y, lambda x, y: (1 / y, -x / y**2)),
    "**": (
        lambda a, b: a**b,
        lambda x, y: x**y,
        lambda x, y: (y * x ** (y - 1), x**y * math.log(x)),
    ),
}
BINARY_POINTS = [(0.5, 1.5), (2.0, 3.0), (3.0, -0.5), (1.3, 0.0), (7.0, 2.0), (-1.2, 4.0)]


def points(name: str) -> list[tuple[float, float]]:
    """Operand pairs inside the op's domain."""
    if name == "/":
        return [(p, q) for p, q in BINARY_POINTS if q != 0.0]
    if name == "**":
        return [(p, q) for p, q in BINARY_POINTS if p > 0.0]
    return BINARY_POINTS


def close(a: float, b: float, rel: float = 1e-12) -> bool:
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_value_and_derivative_match_formula(name: str) -> None:
    fn, value, first, _, points = UNARY[name]
    for p in points:
        x = Value(p, label="x")
        y = fn(x)
        y.backward()
        assert close(y.data, value(p)), (name, p)
        assert close(x.grad, first(p)), (name, p, x.grad, first(p))
        assert y.op == name and y.inputs == (x,)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_second_derivative_via_nested_grad(name: str) -> None:
    fn, _, _, second, points = UNARY[name]
    d2 = ag.grad(ag.grad(fn))
    for p in points:
        assert close(d2(p), second(p), rel=1e-10), (name, p, d2(p), second(p))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_gradcheck(name: str) -> None:
    fn, *_, points = UNARY[name]
    for p in points:
        if name in ("relu", "abs") and abs(p) < 1e-5:
            continue  # a kink: the two one-sided slopes differ, as they should
        eps = 1e-6 if abs(p) >= 1e-2 or p == 0 else abs(p) * 1e-4  # stay inside the domain
        assert ag.gradcheck(fn, [p], eps=eps)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_value_and_derivatives_match_formula(name: str) -> None:
    fn, value, derivs = BINARY[name]
    for p, q in points(name):
        a, b = Value(p, label="a"), Value(q, label="b")
        y = fn(a, b)
        y.backward()
        da, db = derivs(p, q)
        assert close(y.data, value(p, q)), (name, p, q)
        assert close(a.grad, da) and close(b.grad, db), (name, p, q, a.grad, b.grad, da, db)
        assert y.op == name and y.inputs == (a, b)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_gradcheck_and_gradgradcheck(name: str) -> None:
    fn = BINARY[name][0]
    for p, q in points(name):
        assert ag.gradcheck(fn, [p, q])
        assert ag.gradgradcheck(fn, [p, q], atol=1e-4)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_with_plain_numbers_on_either_side(name: str) -> None:
    fn, value, derivs = BINARY[name]
    for p, q in points(name):
        a = Value(p)
        y = fn(a, q)
        y.backward()
        assert close(y.data, value(p, q)) and close(a.grad, derivs(p, q)[0])
        b = Value(q)
        z = fn(p, b)
        z.backward()
        assert close(z.data, value(p, q)) and close(b.grad, derivs(p, q)[1])
        assert isinstance(y.inputs[1], Value) and y.inputs[1].data == q


def test_power_differentiates_in_base_and_exponent() -> None:
    x, y = Value(2.0), Value(3.0)
    z = x**y
    z.backward()
    assert x.grad == 12.0  # y x^(y-1)
    assert close(y.grad, 8.0 * math.log(2.0))  # x^y ln x
    w = Value(1.5)
    (2**w).backward()
    assert close(w.grad, 2**1.5 * math.log(2.0))


def test_power_edges_follow_pytorch() -> None:
    zero = Value(0.0)
    (zero**2.0).backward()
    assert zero.grad == 0.0
    zero = Value(0.0)
    (zero**0.5).backward()
    assert zero.grad == math.inf
    base, exponent = Value(-2.0), Value(3.0)
    (base**exponent).backward()
    assert base.grad == 12.0 and math.isnan(exponent.grad)
    neg = Value(-3.0)
    (neg**2).backward()
    assert neg.grad == -6.0


def test_third_derivatives_nest() -> None:
    d3 = ag.grad(ag.grad(ag.grad(lambda x: x**4 + x.sin())))
    assert close(d3(1.2), 24 * 1.2 - math.cos(1.2))


def test_second_derivative_of_every_op_in_a_product() -> None:
    f = lambda x: (x.exp() * x.tanh() + x.sigmoid() / x.sqrt()).log()  # noqa: E731
    for p in (0.3, 1.0, 2.2):
        assert ag.gradgradcheck(f, [p], atol=1e-4)


def test_tanh_and_sigmoid_do_not_overflow() -> None:
    for big in (1e6, -1e6, 800.0, -800.0):
        for y in (Value(big).tanh(), Value(big).sigmoid()):
            assert math.isfinite(y.data)
            y.backward()
            assert all(math.isfinite(n.grad) for n in y.inputs)
    assert Value(-1e6).sigmoid().data == 0.0 and Value(1e6).sigmoid().data == 1.0


def test_exp_overflow_gives_inf_not_an_exception() -> None:
    assert Value(1e6).exp().data == math.inf
    assert (Value(10.0) ** 400).data == math.inf


def test_sqrt_at_zero_has_infinite_slope() -> None:
    x = Value(0.0)
    x.sqrt().backward()
    assert x.grad == math.inf


def test_relu_and_abs_have_zero_slope_at_zero() -> None:
    for fn in (lambda v: v.relu(), abs):
        x = Value(0.0)
        fn(x).backward()
        assert x.grad == 0.0


def test_dot_is_one_node_with_textbook_local_derivatives() -> None:
    ws = [Value(0.5, label="w1"), Value(-1.0, label="w2")]
    xs = [Value(2.0, label="x1"), Value(3.0, label="x2")]
    b = Value(0.25, label="b")
    z = ag.dot(ws, xs, bias=b)
    assert z.op == "dot" and z.inputs == (*ws, *xs, b)
    assert z.data == 0.5 * 2 - 3 + 0.25
    z.backward()
    assert [w.grad for w in ws] == [2.0, 3.0]
    assert [x.grad for x in xs] == [0.5, -1.0]
    assert b.grad == 1.0


def test_dot_without_bias_and_with_plain_numbers() -> None:
    w = Value(3.0)
    z = ag.dot([w, 2.0], [4.0, Value(5.0)])
    assert z.data == 22.0 and len(z.inputs) == 4
    z.backward()
    assert w.grad == 4.0


def test_dot_length_mismatch_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="dot"):
        ag.dot([Value(1.0)], [1.0, 2.0])


def test_sum_is_one_node() -> None:
    vs = [Value(float(i)) for i in range(5)]
    s = ag.sum(vs)
    assert s.op == "sum" and s.inputs == tuple(vs) and s.data == 10.0
    s.backward()
    assert all(v.grad == 1.0 for v in vs)
    assert ag.sum([]).data == 0.0


def test_comparisons_use_data_and_equality_is_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a < 2 and a <= b and b >= a and not a > b and 0.5 < a  # noqa: SIM300 (reflected)
    assert a != b and a == a
    assert len({a, b}) == 2 and {a: 1}[a] == 1
    assert isinstance(a < b, bool)


def test_float_and_repr() -> None:
    x = Value(2.5, label="x")
    assert float(x) == 2.5
    y = x * 2
    y.backward()
    text = repr(y)
    assert "\n" not in text
    assert "data=5.0" in text and "grad=1.0" in text and "op='*'" in text
    assert "label='x'" in repr(x)
