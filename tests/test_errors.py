"""Bad input: precise exception types, messages naming the op and value, nothing changed."""

from __future__ import annotations

import fractions
import math

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import Value


@pytest.mark.parametrize("bad", ["x", None, 1 + 2j, [1], (1.0,), {"a": 1}, b"1", np.array([1.0])])
def test_non_numeric_data_is_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match="real number"):
        Value(bad)


@pytest.mark.parametrize(
    "good, expected",
    [
        (True, 1.0),
        (3, 3.0),
        (np.float32(0.5), 0.5),
        (np.int64(4), 4.0),
        (np.bool_(True), 1.0),
        (fractions.Fraction(1, 4), 0.25),
        (np.array(2.0), 2.0),
    ],
)
def test_real_scalars_become_float_data(good: object, expected: float) -> None:
    v = Value(good)
    assert type(v.data) is float and v.data == expected


def test_label_must_be_text() -> None:
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["a", None, [1.0], 1j])
def test_operators_reject_non_numbers(bad: object) -> None:
    x = Value(1.0)
    with pytest.raises(TypeError):
        x * bad  # type: ignore[operator]
    with pytest.raises(TypeError):
        bad + x  # type: ignore[operator]


def _labelled(data: float) -> Value:
    return Value(data, label="x")


@pytest.mark.parametrize(
    "action, error, words",
    [
        (lambda: _labelled(-1.0).log(), ValueError, ["log", "-1.0", "'x'"]),
        (lambda: _labelled(0.0).log(), ValueError, ["log", "0.0"]),
        (lambda: _labelled(-4.0).sqrt(), ValueError, ["sqrt", "-4.0"]),
        (lambda: _labelled(1.0) / 0, ZeroDivisionError, ["/", "0.0"]),
        (lambda: 1 / _labelled(0.0), ZeroDivisionError, ["/", "'x'"]),
        (lambda: _labelled(-8.0) ** (1 / 3), ValueError, ["**", "-8.0", "fractional"]),
        (lambda: _labelled(0.0) ** -1, ZeroDivisionError, ["**", "0.0"]),
    ],
)
def test_domain_errors_name_the_op_and_value(action, error, words) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error) as caught:
        action()
    for word in words:
        assert word in str(caught.value)


def test_failed_op_leaves_inputs_untouched() -> None:
    x = Value(-2.0, label="x")
    y = x * 3
    y.backward()
    before = (x.data, x.grad, y.data, y.grad, x.inputs, y.inputs)
    for bad in (lambda: y.log(), lambda: y.sqrt(), lambda: x / 0, lambda: y**0.5):
        with pytest.raises((ValueError, ZeroDivisionError)):
            bad()
    assert (x.data, x.grad, y.data, y.grad, x.inputs, y.inputs) == before


def test_gradcheck_names_the_worst_input() -> None:
    def wrong(x: Value, y: Value) -> Value:
        # A deliberately broken op: forward is x*y, but the graph says 2x*y.
        z = (x * y).detach() + (x * y - (x * y).detach()) * 2 * (y * 0 + 1).detach()
        return z + x * 0

    with pytest.raises(ag.GradcheckError) as caught:
        ag.gradcheck(wrong, [Value(1.5, label="a"), 2.0])
    err = caught.value
    assert err.index in (0, 1)
    assert "analytically" in str(err) and "numerically" in str(err)
    assert math.isfinite(err.analytic) and math.isfinite(err.numeric)


def test_gradcheck_passes_near_domain_edges() -> None:
    assert ag.gradcheck(lambda x: x.sqrt(), [1e-3], eps=1e-7)
    assert ag.gradcheck(lambda x: x.log(), [1e-3], eps=1e-8)
