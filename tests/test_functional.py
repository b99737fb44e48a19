"""grad, value_and_grad, hessian: the JAX-style functional API."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import Value


def test_grad_of_a_plain_function() -> None:
    assert ag.grad(lambda x: x**3)(2.0) == 12.0
    assert isinstance(ag.grad(lambda x: x**3)(2.0), float)


def test_value_and_grad_returns_value_first() -> None:
    value, g = ag.value_and_grad(lambda x: x.exp())(0.0)
    assert value == 1.0 and g == 1.0


def test_argnums_int_and_tuple() -> None:
    f = lambda x, y: x * y**2  # noqa: E731
    assert ag.grad(f, argnums=1)(3.0, 2.0) == 12.0
    assert ag.grad(f, argnums=(0, 1))(3.0, 2.0) == (4.0, 12.0)
    with pytest.raises(IndexError):
        ag.grad(f, argnums=2)(3.0, 2.0)


def test_nesting_to_fourth_order() -> None:
    f = lambda x: x.sin() * x.exp()  # noqa: E731
    d = f
    derivatives = []
    for _ in range(4):
        d = ag.grad(d)
        derivatives.append(d(0.7))
    x = 0.7
    # (e^x sin x)^(n) = 2^(n/2) e^x sin(x + n pi/4)
    for n, got in enumerate(derivatives, start=1):
        assert math.isclose(got, 2 ** (n / 2) * math.exp(x) * math.sin(x + n * math.pi / 4))


def test_nested_grads_do_not_confuse_variables() -> None:
    # d/dx [ x * d/dy (x * y) ] = d/dx x^2 = 2x
    outer = ag.grad(lambda x: x * ag.grad(lambda y: x * y)(x))
    assert outer(3.0) == 6.0


def test_grad_does_not_touch_dot_grad() -> None:
    x = Value(2.0)
    assert ag.grad(lambda v: v * v)(x).data == 4.0
    assert x.grad == 0.0


def test_grad_with_respect_to_a_list_and_an_array() -> None:
    f = lambda xs: ag.sum([x * x for x in xs])  # noqa: E731
    assert ag.grad(f)([1.0, 2.0]) == [2.0, 4.0]
    arr = ag.grad(lambda a: ag.dot(list(a), list(a)))(np.array([1.0, -3.0]))
    assert isinstance(arr, np.ndarray) and arr.tolist() == [2.0, -6.0]


def test_constant_function_has_zero_gradient() -> None:
    assert ag.grad(lambda x: 5.0)(1.0) == 0.0
    assert ag.grad(lambda x, y: x * 2, argnums=1)(1.0, 2.0) == 0.0


def test_hessian() -> None:
    h = ag.hessian(lambda x, y: x**2 * y + y.exp(), argnums=(0, 1))(1.0, 0.0)
    assert h == [[0.0, 2.0], [2.0, 1.0]]
    assert ag.hessian(lambda x: x**3)(2.0) == 12.0


def test_gradients_of_many_outputs_leave_grad_alone() -> None:
    x, y = Value(2.0), Value(3.0)
    assert ag.gradients((x * y).tanh(), [x, y, Value(1.0)])[2] == 0.0
    assert x.grad == 0.0


def test_hessian_of_a_list_argument_and_a_bad_argnum() -> None:
    assert ag.hessian(lambda xs: xs[0] * xs[1] ** 2)([1.0, 2.0]) == [[0.0, 4.0], [4.0, 2.0]]
    with pytest.raises(IndexError, match="argnums 3"):
        ag.hessian(lambda x: x * x, argnums=3)(1.0)
