"""Every operation's local derivatives, one named function per op.

Backpropagation needs only one fact per operation: how its output moves when
each input moves (∂out/∂input). This module is the single place where those
facts live. Each ``<op>_local(out, *args)`` returns a tuple with one local
derivative per input, in operand order.

The functions are written once and used twice:

* in the forward pass they get plain floats, and the engine stores the
  resulting float tuple on the node, so ``backward()`` is a generic loop;
* under ``backward(create_graph=True)`` they get the ``Value`` objects
  themselves, so the derivatives are recorded as a graph and can be
  differentiated again (higher-order gradients).

That is why they use only arithmetic operators and the dispatching helpers
below (``_cos``, ``_log``, ...) instead of calling ``math`` directly.

Example:
    >>> mul_local(6.0, 2.0, 3.0)     # out = a * b, so d/da = b, d/db = a
    (3.0, 2.0)
    >>> LOCALS["tanh"].__name__
    'tanh_local'
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

#: A local derivative: a float in the forward pass, a Value when recording.
Scalar = Any

ONE = 1.0
ZERO = 0.0


def _data(x: Scalar) -> float:
    """The float behind a float or a Value (for branching on sign)."""
    return x if type(x) is float else x.data


def _cos(x: Scalar) -> Scalar:
    return math.cos(x) if type(x) is float else x.cos()


def _sin(x: Scalar) -> Scalar:
    return math.sin(x) if type(x) is float else x.sin()


def power(x: Scalar, y: Scalar) -> Scalar:
    """x ** y that overflows to ±inf (as IEEE arithmetic does) instead of raising."""
    if type(x) is not float:
        return x**y
    try:
        return x**y
    except OverflowError:
        return -math.inf if x < 0.0 and y % 2.0 == 1.0 else math.inf


def _log(x: Scalar) -> Scalar:
    return math.log(x) if type(x) is float else x.log()


# --- binary operators ------------------------------------------------------


def add_local(out: Scalar, a: Scalar, b: Scalar) -> tuple[Scalar, ...]:
    """out = a + b:  ∂/∂a = 1, ∂/∂b = 1."""
    return (1.0, 1.0)


def sub_local(out: Scalar, a: Scalar, b: Scalar) -> tuple[Scalar, ...]:
    """out = a - b:  ∂/∂a = 1, ∂/∂b = -1."""
    return (1.0, -1.0)


def mul_local(out: Scalar, a: Scalar, b: Scalar) -> tuple[Scalar, ...]:
    """out = a · b:  ∂/∂a = b, ∂/∂b = a."""
    return (b, a)


def div_local(out: Scalar, a: Scalar, b: Scalar) -> tuple[Scalar, ...]:
    """out = a / b:  ∂/∂a = 1/b, ∂/∂b = -a/b² = -out/b."""
    return (ONE / b, -out / b)


def pow_local(out: Scalar, a: Scalar, b: Scalar) -> tuple[Scalar, ...]:
    """out = a ** b:  ∂/∂a = b·a^(b-1), ∂/∂b = out·ln(a).

    Edges follow PyTorch: at a = 0 the exponent's derivative is 0, and a
    fractional power of 0 has an infinite slope. For a < 0 (only reachable
    with an integer exponent) ln(a) is not real, so ∂/∂b is NaN.
    """
    base, exponent = _data(a), _data(b)
    if base != 0.0:
        d_base: Scalar = b * power(a, b - ONE)
    elif exponent == 0.0:
        d_base = ZERO
    elif exponent < 1.0:
        d_base = math.inf
    else:
        d_base = b * a ** (b - ONE)
    if base > 0.0:
        d_exponent: Scalar = out * _log(a)
    elif base == 0.0:
        d_exponent = ZERO
    else:
        d_exponent = math.nan
    return (d_base, d_exponent)


# --- unary functions -------------------------------------------------------


def identity_local(out: Scalar, a: Scalar) -> tuple[Scalar, ...]:
    """out = a (a fresh handle on a, used by the functional API):  ∂/∂a = 1."""
    return (1.0,)


def neg_local(out: Scalar, a: Scalar) -> tuple[Scalar, ...]:
    """out = -a:  ∂/∂a = -1."""
    return (-1.0,)


def abs_local(out: Scalar, a: Scalar) -> tuple[Scalar, ...]:
    """out = |a|:  ∂/∂a = sign(a), with sign(0) = 0 as in PyTorch."""
    x = _data(a)
    return (ONE if x > 0.0 else -ONE if x < 0.0 else ZERO,)


def exp_local(out: Scalar, a: Scalar) -> tuple[Scalar, ...]:
    """out = eᵃ:  ∂/∂a = eᵃ = out."""
    return (out,)


def log_local(out: Scalar, a: Scalar) -> tuple[Scalar, ...]:
    """out = ln a:  ∂/∂a = 1/a."""
    return (ONE / a,)


def sqrt_local(out: Scalar, a: Scalar) -> tuple[Scalar, ...]:
    """out = √a:  ∂/∂a = 1/(2√a) = 0.5/out, infinite at a = 0."""
    return (0.5 / out if _data(out) != 0.0 else math.inf,)


def tanh_local(out: Scalar, a: Scalar) -> tuple[Scalar, ...]:
    """out = tanh a:  ∂/∂a = 1 - tanh² a = 1 - out²."""
    return (ONE - out * out,)


def sigmoid_local(out: Scalar, a: Scalar) -> tuple[Scalar, ...]:
    """out = σ(a):  ∂/∂a = σ(a)(1 - σ(a)) = out(1 - out)."""
    return (out * (ONE - out),)


def relu_local(out: Scalar, a: Scalar) -> tuple[Scalar, ...]:
    """out = max(0, a):  ∂/∂a = 1 if a > 0 else 0 (0 at a = 0, as in PyTorch)."""
    return (1.0,) if out > 0.0 else (0.0,)  # out > 0 exactly when a > 0


def sin_local(out: Scalar, a: Scalar) -> tuple[Scalar, ...]:
    """out = sin a:  ∂/∂a = cos a."""
    return (_cos(a),)


def cos_local(out: Scalar, a: Scalar) -> tuple[Scalar, ...]:
    """out = cos a:  ∂/∂a = -sin a."""
    return (-_sin(a),)


# --- n-ary operations ------------------------------------------------------


def sum_local(out: Scalar, *args: Scalar) -> tuple[Scalar, ...]:
    """out = Σ args:  ∂/∂argᵢ = 1."""
    return (ONE,) * len(args)


def dot_local(out: Scalar, *args: Scalar) -> tuple[Scalar, ...]:
    """out = Σ wᵢxᵢ (+ b), args = (w₁..wₙ, x₁..xₙ[, b]):  ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ, ∂/∂b = 1."""
    n = len(args) // 2
    ws, xs = args[:n], args[n : 2 * n]
    bias = (ONE,) if len(args) % 2 else ()
    return tuple(xs) + tuple(ws) + bias


#: op name -> its local-derivative function (the engine's op table).
LOCALS: dict[str, Callable[..., tuple[Scalar, ...]]] = {
    "+": add_local,
    "-": sub_local,
    "*": mul_local,
    "/": div_local,
    "**": pow_local,
    "identity": identity_local,
    "neg": neg_local,
    "abs": abs_local,
    "exp": exp_local,
    "log": log_local,
    "sqrt": sqrt_local,
    "tanh": tanh_local,
    "sigmoid": sigmoid_local,
    "relu": relu_local,
    "sin": sin_local,
    "cos": cos_local,
    "sum": sum_local,
    "dot": dot_local,
}
