"""Ops at their edges, against PyTorch float64 and Python: the quotient behind ``%``,
infinite slopes at singular points, a negative base to an infinite power, and
numpy's ufuncs on object arrays of Values."""

from __future__ import annotations

import math
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


# --- infinite slopes whose own slopes are infinite too -----------------------

SINGULAR: dict[str, tuple[Any, Any]] = {
    "sqrt": (ag.sqrt, lambda t: t.sqrt()),
    "x ** 0.5": (lambda x: x**0.5, lambda t: t**0.5),
    "x ** 1.5": (lambda x: x**1.5, lambda t: t**1.5),
    "x ** 2": (lambda x: x**2.0, lambda t: t**2.0),
    "asin": (ag.asin, lambda t: t.asin()),
    "acos": (ag.acos, lambda t: t.acos()),
    "acosh": (ag.acosh, lambda t: t.acosh()),
}
POINTS = {
    "sqrt": [0.0, 1e-300, 1e-8, 0.25],
    "x ** 0.5": [0.0, 1e-8, 0.25],
    "x ** 1.5": [0.0, 1e-8, 0.25],
    "x ** 2": [0.0, 1e-8, 0.25],
    "asin": [-1.0, -0.999999, 0.5, 0.999999, 1.0],
    "acos": [-1.0, -0.999999, 0.5, 0.999999, 1.0],
    "acosh": [1.0, 1.000001, 2.0],
}


def torch_first_and_second(f: Any, x: float) -> tuple[float, float, float]:
    torch = pytest.importorskip("torch")
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = f(t)
    (first,) = torch.autograd.grad(y, t, create_graph=True)
    (second,) = torch.autograd.grad(first, t)
    return y.item(), first.item(), second.item()


@pytest.mark.parametrize("name", sorted(SINGULAR))
def test_first_and_second_derivatives_match_torch_at_and_near_singular_points(name: str) -> None:
    f, torch_f = SINGULAR[name]
    for x in POINTS[name]:
        value, first, second = torch_first_and_second(torch_f, x)
        assert f(x) == pytest.approx(value, rel=1e-12, abs=0.0), (x, "value")
        got_first = ag.grad(f)(x)
        got_second = ag.grad(ag.grad(f))(x)
        for got, want in ((got_first, first), (got_second, second)):
            if math.isinf(want):
                assert got == want, (x, got, want)
            else:
                assert got == pytest.approx(want, rel=1e-9), (x, got, want)


def test_sqrt_third_derivative_at_zero_is_inf_as_torch() -> None:
    assert ag.grad(ag.grad(ag.grad(ag.sqrt)))(0.0) == math.inf


def test_fractional_power_at_zero_mixed_second_derivatives_match_torch() -> None:
    torch = pytest.importorskip("torch")
    a, b = Value(0.0), Value(0.5)
    da, db = ag.gradients(a**b, [a, b], create_graph=True)
    ta = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    tda, tdb = torch.autograd.grad(ta**tb, (ta, tb), create_graph=True)
    assert (float(da), float(db)) == (tda.item(), tdb.item())
    want = [g.item() for g in torch.autograd.grad(tda, (ta, tb))]
    got = ag.gradients(da, [a, b])
    assert all(same(g, w) for g, w in zip(got, want)), (got, want)


def test_the_first_derivative_at_a_singular_point_is_still_the_forward_passs() -> None:
    x = Value(0.0)
    y = x.sqrt()
    assert y.local_grads == (math.inf,)
    y.backward()
    assert x.grad == math.inf


# --- a negative base to an infinite or NaN power -----------------------------

NEGATIVE_BASE = [
    (-2.0, math.inf),
    (-0.5, math.inf),
    (-2.0, -math.inf),
    (-0.5, -math.inf),
    (-1.0, math.inf),
    (-2.0, math.nan),
]


@pytest.mark.parametrize(("base", "exponent"), NEGATIVE_BASE)
def test_negative_base_to_an_infinite_or_nan_power_is_pythons_value(
    base: float, exponent: float
) -> None:
    got = Value(base) ** exponent
    assert same(got.data, base**exponent)
    assert same(ag.OPS["**"](base, exponent), base**exponent)
    assert same((base ** Value(exponent)).data, base**exponent)


@pytest.mark.parametrize(("base", "exponent"), NEGATIVE_BASE)
def test_negative_base_to_an_infinite_or_nan_power_has_torchs_derivatives(
    base: float, exponent: float
) -> None:
    value, (d_base, d_exponent) = torch_grads(lambda a, b: a**b, base, exponent)
    a, b = Value(base), Value(exponent)
    y = a**b
    y.backward()
    assert same(y.data, value)
    assert same(a.grad, d_base) and same(b.grad, d_exponent), (a.grad, b.grad)
    a, b = Value(base), Value(exponent)
    recorded = ag.gradients(a**b, [a, b], create_graph=True)  # the same, as Values
    assert same(float(recorded[0]), d_base) and same(float(recorded[1]), d_exponent)


def test_negative_base_to_a_finite_fractional_power_is_still_refused() -> None:
    with pytest.raises(ValueError, match=r"negative base to a fractional power.*\*\*"):
        Value(-2.0, label="x") ** 0.5


# --- numpy's ufuncs on object arrays of Values --------------------------------


def values(*xs: float) -> Any:
    np = pytest.importorskip("numpy")
    return np.array([Value(x) for x in xs], dtype=object)


@pytest.mark.parametrize(("ufunc", "op"), [("arctan2", "atan2"), ("hypot", "hypot")])
def test_numpy_binary_ufuncs_on_object_arrays_give_the_ops_values(ufunc: str, op: str) -> None:
    np = pytest.importorskip("numpy")
    xs = values(0.5, -1.5)
    out = getattr(np, ufunc)(xs, 2.0)
    assert [v.op for v in out] == [op, op]
    assert [v.data for v in out] == [getattr(math, op)(0.5, 2.0), getattr(math, op)(-1.5, 2.0)]
    both = getattr(np, ufunc)(xs, xs[::-1])  # Values on both sides
    both[0].backward()
    a, b = Value(0.5), Value(-1.5)
    assert [xs[0].grad, xs[1].grad] == ag.gradients(ag.OPS[op](a, b), [a, b])


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc"])
def test_math_rounding_of_a_value_is_the_integer_as_for_a_float(name: str) -> None:
    # Python's number protocol: math.floor(x) is an int, so range() and indexing work;
    # the op that keeps the graph is x.floor() / ag.floor(x).
    x = Value(-1.5)
    rounded = getattr(math, name)(x)
    assert type(rounded) is int and rounded == getattr(math, name)(-1.5)
    assert list(range(math.floor(Value(3.7)))) == [0, 1, 2]
    assert [1, 2, 3, 4][math.floor(Value(3.7))] == 4
    op = getattr(x, name)()
    assert isinstance(op, Value) and op.op == name and op.data == float(rounded)


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc"])
def test_numpy_rounding_on_object_arrays_gives_integers_as_for_floats(name: str) -> None:
    np = pytest.importorskip("numpy")
    got = getattr(np, name)(values(0.5, -1.5, 2.0))
    want = getattr(np, name)(np.array([0.5, -1.5, 2.0], dtype=object))
    assert got.tolist() == want.tolist()


def test_numpy_maximum_and_minimum_on_object_arrays_pick_an_operand() -> None:
    # numpy's object loops compare and return one operand (the first on a tie),
    # so the graph is kept where a Value wins; ag.maximum splits a tie.
    np = pytest.importorskip("numpy")
    xs = values(0.5, 3.0)
    high, low = np.maximum(xs, 1.0), np.minimum(xs, 1.0)
    assert high[0] == 1.0 and high[1] is xs[1]
    assert low[0] is xs[0] and low[1] == 1.0


@pytest.mark.parametrize("ufunc", ["fmod", "logical_xor", "logaddexp", "rint"])
def test_numpy_ufuncs_nobody_handles_are_a_type_error(ufunc: str) -> None:
    np = pytest.importorskip("numpy")
    fn = getattr(np, ufunc)
    with pytest.raises(TypeError):
        fn(values(0.5, 1.5)) if fn.nin == 1 else fn(values(0.5, 1.5), 1.0)


def test_numpy_vecdot_on_object_arrays_is_a_value() -> None:
    np = pytest.importorskip("numpy")
    xs = values(0.5, 1.5)
    out = np.vecdot(xs, xs)
    out.backward()
    assert (out.data, xs[0].grad, xs[1].grad) == (2.5, 1.0, 3.0)


def test_arctan2_of_a_value_with_a_non_number_names_the_op() -> None:
    with pytest.raises(TypeError, match="atan2"):
        Value(1.0).arctan2("a")


@pytest.mark.parametrize("z", [30.0, 710.0, 745.0, 800.0, 1e308])
def test_logaddexp_second_derivatives_stay_finite_far_out(z: float) -> None:
    # ∂²/∂a² ln(eᵃ + eᵇ) = σ(a-b)σ(b-a): tiny, never inf/inf (torch's losses agree).
    second = ag.grad(ag.grad(lambda a: ag.logaddexp(a, 0.0)))(z)
    expected = 1.0 / (2.0 + math.exp(-z) + math.exp(z)) if z < 700 else 0.0
    assert math.isfinite(second) and abs(second - expected) <= 1e-300 + 1e-12 * expected
    assert ag.grad(ag.grad(lambda a: ag.logaddexp(0.0, a)))(-z) == pytest.approx(
        expected, rel=1e-12, abs=1e-300
    )


def test_round_of_a_value_is_the_floats() -> None:
    assert round(Value(2.5)) == 2 and type(round(Value(3.7))) is int
    assert round(Value(2.675), 2) == round(2.675, 2)
