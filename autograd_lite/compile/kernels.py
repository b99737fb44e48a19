"""numpy kernels: each built-in op's forward, local derivatives and domain, vectorised.

One entry per op, side by side as in :mod:`autograd_lite.core.ops`, written
to give what the op record gives on floats: the same formula where numpy
has the same function (arithmetic, ``sqrt``, rounding are bit for bit;
numpy's transcendental functions may differ from ``math``'s in the last
bit), the same IEEE edges (``sin(inf)`` is NaN, ``exp`` overflows to inf,
NaN stays NaN), and a domain check that makes the replay give way to the
eager engine, which then raises the op's own exception.

* ``FORWARD[op]``: an expression over the gathered inputs ``{0}``, ``{1}``;
* ``LOCAL[op]``: one expression per input over ``{o}`` (the output) and the
  inputs; ``"1"``/``"-1"`` are exactly ±1 and ``"0"`` means the input gets
  no contribution at all (floor, ceil, trunc: exactly 0, as eager masks);
* ``DOMAIN[op]``: an expression that is True where an input is outside the
  op's domain (log of 0, asin of 2, modulo by 0, ...).

An op without an entry here (an ``ag.defop`` user op) is still folded: the
numpy tier calls its record's ``forward`` and ``local`` per element.

Example:
    >>> import numpy as np
    >>> ns = helpers(np)
    >>> x = np.array([0.0, np.inf, np.nan])
    >>> eval(FORWARD["sin"].format("x"), ns, {"x": x}).tolist()
    [0.0, nan, nan]
"""

from __future__ import annotations

import math
from typing import Any

from ._core import (
    INV_SQRT_2PI,
    LEAKY_SLOPE,
    LN2,
    LN10,
    SOFTPLUS_THRESHOLD,
    SQRT1_2,
    TWO_OVER_SQRT_PI,
)


class Edge(ArithmeticError):
    """An input the vectorised kernels leave to the eager engine (a domain error, 0 ** y)."""


FORWARD: dict[str, str] = {
    "+": "{0} + {1}",
    "-": "{0} - {1}",
    "*": "{0} * {1}",
    "/": "{0} / {1}",
    "%": "np.mod({0}, {1})",
    "**": "pow_({0}, {1})",
    "neg": "-{0}",
    "abs": "np.abs({0})",
    "identity": "np.array({0}, dtype=float)",
    "exp": "np.exp({0})",
    "log": "np.log({0})",
    "sqrt": "np.sqrt({0})",
    "tanh": "np.tanh({0})",
    "sigmoid": "sigmoid_({0})",
    "relu": "np.where({0} <= 0.0, 0.0, {0})",
    "leaky_relu": f"np.where({{0}} > 0.0, {{0}}, {LEAKY_SLOPE!r} * {{0}})",
    "elu": "np.where({0} > 0.0, {0}, np.expm1({0}))",
    "gelu": f"0.5 * {{0}} * (1.0 + erf_({{0}} * {SQRT1_2!r}))",
    "softplus": f"softplus_({{0}}, {SOFTPLUS_THRESHOLD!r})",
    "sin": "periodic_(np.sin, {0})",
    "cos": "periodic_(np.cos, {0})",
    "tan": "periodic_(np.tan, {0})",
    "sinh": "np.sinh({0})",
    "cosh": "np.cosh({0})",
    "asin": "np.arcsin({0})",
    "acos": "np.arccos({0})",
    "atan": "np.arctan({0})",
    "asinh": "np.arcsinh({0})",
    "acosh": "np.arccosh({0})",
    "atanh": "np.arctanh({0})",
    "log1p": "np.log1p({0})",
    "expm1": "np.expm1({0})",
    "log2": "np.log2({0})",
    "log10": "np.log10({0})",
    "exp2": "np.power(2.0, {0})",
    "erf": "erf_({0})",
    # + 0.0: the engine's floor/ceil/trunc go through int, so -0.4 rounds to +0.0, not -0.0.
    "floor": "(np.floor({0}) + 0.0)",
    "ceil": "(np.ceil({0}) + 0.0)",
    "trunc": "(np.trunc({0}) + 0.0)",
    "atan2": "np.arctan2({0}, {1})",
    "hypot": "np.hypot({0}, {1})",
    "maximum": "maximum_({0}, {1})",
    "minimum": "minimum_({0}, {1})",
    "logaddexp": f"logaddexp_({{0}}, {{1}}, {LN2!r})",
}

LOCAL: dict[str, tuple[str, ...]] = {
    "+": ("1", "1"),
    "-": ("1", "-1"),
    "*": ("{1}", "{0}"),
    "/": ("(1.0 / {1})", "(-{o} / {1})"),
    "%": ("1", "(-np.floor_divide({0}, {1}))"),
    "**": ("pow_base_({o}, {0}, {1})", "pow_exponent_({o}, {0}, {1})"),
    "neg": ("-1",),
    "abs": ("sign_({0})",),
    "identity": ("1",),
    "exp": ("{o}",),
    "log": ("(1.0 / {0})",),
    "sqrt": ("sqrt_local_({o})",),
    "tanh": ("(1.0 - {o} * {o})",),
    "sigmoid": ("({o} * (1.0 - {o}))",),
    "relu": ("({0} > 0.0)",),
    "leaky_relu": (f"np.where({{0}} > 0.0, 1.0, {LEAKY_SLOPE!r})",),
    "elu": ("np.where({0} > 0.0, 1.0, {o} + 1.0)",),
    "gelu": (f"gelu_local_({{0}}, {SQRT1_2!r}, {INV_SQRT_2PI!r})",),
    "softplus": (f"np.where({{0}} > {SOFTPLUS_THRESHOLD!r}, 1.0, sigmoid_({{0}}))",),
    "sin": ("periodic_(np.cos, {0})",),
    "cos": ("(-periodic_(np.sin, {0}))",),
    "tan": ("(1.0 + {o} * {o})",),
    "sinh": ("np.cosh({0})",),
    "cosh": ("np.sinh({0})",),
    "asin": ("unit_slope_({0}, 1.0)",),
    "acos": ("unit_slope_({0}, -1.0)",),
    "atan": ("(1.0 / (1.0 + {0} * {0}))",),
    "asinh": ("(1.0 / np.sqrt({0} * {0} + 1.0))",),
    "acosh": ("acosh_local_({0})",),
    "atanh": ("(1.0 / (1.0 - {0} * {0}))",),
    "log1p": ("(1.0 / (1.0 + {0}))",),
    "expm1": ("({o} + 1.0)",),
    "log2": (f"(1.0 / {{0}} / {LN2!r})",),  # divided in turn, as the engine: no overflow
    "log10": (f"(1.0 / {{0}} / {LN10!r})",),
    "exp2": (f"({{o}} * {LN2!r})",),
    "erf": (f"({TWO_OVER_SQRT_PI!r} * np.exp(-({{0}} * {{0}})))",),
    "floor": ("0",),
    "ceil": ("0",),
    "trunc": ("0",),
    "atan2": ("atan2_local_({0}, {1}, 0)", "atan2_local_({0}, {1}, 1)"),
    "hypot": ("hypot_local_({o}, {0})", "hypot_local_({o}, {1})"),
    "maximum": ("max_local_({0}, {1})", "max_local_({1}, {0})"),
    "minimum": ("max_local_({1}, {0})", "max_local_({0}, {1})"),
    "logaddexp": ("(1.0 / (1.0 + np.exp({1} - {0})))", "(1.0 / (1.0 + np.exp({0} - {1})))"),
}

#: Where an input is outside the op's domain (NaN is inside: it propagates, as eagerly).
DOMAIN: dict[str, str] = {
    "/": "{1} == 0.0",
    "%": "{1} == 0.0",
    "log": "{0} <= 0.0",
    "log2": "{0} <= 0.0",
    "log10": "{0} <= 0.0",
    "sqrt": "{0} < 0.0",
    "asin": "np.abs({0}) > 1.0",
    "acos": "np.abs({0}) > 1.0",
    "acosh": "{0} < 1.0",
    "atanh": "np.abs({0}) >= 1.0",
    "log1p": "{0} <= -1.0",
}


def helpers(np: Any) -> dict[str, Any]:
    """The namespace the generated numpy code runs in: numpy and the helper kernels."""

    def pow_(a: Any, b: Any) -> Any:
        if np.any((a < 0.0) & (b != np.floor(b))) or np.any((a == 0.0) & (b < 0.0)):
            raise Edge("** domain")
        return np.power(a, b)

    def pow_base_(out: Any, a: Any, b: Any) -> Any:
        if np.any(a == 0.0):
            raise Edge("** at a zero base")
        return b * np.power(a, b - 1.0)

    def pow_exponent_(out: Any, a: Any, b: Any) -> Any:
        positive = a > 0.0
        logs = np.log(np.where(positive, a, 1.0))
        return np.where(positive, out * logs, np.where(a == 0.0, 0.0, math.nan))

    def sigmoid_(x: Any) -> Any:
        e = np.exp(-np.abs(x))
        return np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))

    def sign_(x: Any) -> Any:
        return np.where(x > 0.0, 1.0, np.where(x < 0.0, -1.0, 0.0))

    def sqrt_local_(out: Any) -> Any:
        nonzero = out != 0.0
        return np.where(nonzero, 0.5 / np.where(nonzero, out, 1.0), math.inf)

    def periodic_(fn: Any, x: Any) -> Any:
        finite = np.isfinite(x)
        if finite.all():
            return fn(x)
        return np.where(finite, fn(np.where(finite, x, 0.0)), math.nan)  # sin(±inf) is NaN

    def erf_(x: Any) -> Any:
        return np.fromiter(map(math.erf, x.tolist()), float, len(x))

    def softplus_(x: Any, threshold: float) -> Any:
        below = x <= threshold
        return np.where(below, np.log1p(np.exp(np.where(below, x, 0.0))), x)

    def gelu_local_(a: Any, sqrt1_2: float, inv_sqrt_2pi: float) -> Any:
        cdf = 0.5 * (1.0 + erf_(a * sqrt1_2))
        return cdf + a * np.exp(-0.5 * a * a) * inv_sqrt_2pi

    def unit_slope_(a: Any, sign: float) -> Any:
        inside = np.abs(a) != 1.0
        return np.where(inside, sign / np.sqrt(np.where(inside, 1.0 - a * a, 1.0)), sign * math.inf)

    def acosh_local_(a: Any) -> Any:
        inside = a != 1.0
        return np.where(inside, 1.0 / np.sqrt(np.where(inside, a * a - 1.0, 1.0)), math.inf)

    def atan2_local_(y: Any, x: Any, which: int) -> Any:
        origin = (x == 0.0) & (y == 0.0)
        r = np.where(origin, 1.0, np.hypot(x, y))  # divided by r twice, as the engine:
        return np.where(origin, math.nan, (x if which == 0 else -y) / r / r)  # no overflow

    def hypot_local_(out: Any, a: Any) -> Any:
        zero = out == 0.0
        return np.where(zero, math.nan, a / np.where(zero, 1.0, out))

    def maximum_(a: Any, b: Any) -> Any:
        either_nan = (a != a) | (b != b)
        return np.where(either_nan, math.nan, np.where(a >= b, a, b))

    def minimum_(a: Any, b: Any) -> Any:
        either_nan = (a != a) | (b != b)
        return np.where(either_nan, math.nan, np.where(a <= b, a, b))

    def max_local_(a: Any, b: Any) -> Any:
        # 1 where a wins, 0 where it loses, ½ on a tie, 1 where either is NaN.
        return np.where(a > b, 1.0, np.where(a < b, 0.0, np.where(a == b, 0.5, 1.0)))

    def logaddexp_(a: Any, b: Any, ln2: float) -> Any:
        same = a == b  # also both -inf or both +inf
        big = np.where(same, 0.0, np.where(a > b, a, b))
        small = np.where(same, 0.0, np.where(a > b, b, a))
        return np.where(same, a + ln2, big + np.log1p(np.exp(small - big)))

    return {
        "np": np,
        "Edge_": Edge,
        "pow_": pow_,
        "pow_base_": pow_base_,
        "pow_exponent_": pow_exponent_,
        "sigmoid_": sigmoid_,
        "sign_": sign_,
        "sqrt_local_": sqrt_local_,
        "periodic_": periodic_,
        "erf_": erf_,
        "softplus_": softplus_,
        "gelu_local_": gelu_local_,
        "unit_slope_": unit_slope_,
        "acosh_local_": acosh_local_,
        "atan2_local_": atan2_local_,
        "hypot_local_": hypot_local_,
        "maximum_": maximum_,
        "minimum_": minimum_,
        "max_local_": max_local_,
        "logaddexp_": logaddexp_,
        "bincount": np.bincount,
        "nan": math.nan,
        "inf": math.inf,
    }


def per_element(forward: Any, local: Any, arity: int, np: Any) -> Any:
    """A kernel for an op without a vectorised one: its record's functions, element by element.

    Returns ``run(*columns) -> (out, locals)`` with ``locals[:, k]`` the k-th
    local derivative; ``forward`` raises the op's own domain errors.

    Example:
        >>> import numpy as np
        >>> run = per_element(lambda x: x * x, lambda o, x: (2.0 * x,), 1, np)
        >>> [a.tolist() for a in run(np.array([1.0, 3.0]))]
        [[1.0, 9.0], [[2.0], [6.0]]]
    """

    def run(*columns: Any) -> Any:
        outs = []
        slopes = []
        for xs in zip(*(c.tolist() for c in columns)):
            out = forward(*xs)
            outs.append(out)
            slopes.append(local(out, *xs))
        locals_ = np.array(slopes, dtype=float).reshape(len(outs), arity)
        return np.array(outs, dtype=float), locals_

    return run
