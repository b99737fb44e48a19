"""Every operation, one record each: its name, forward, local derivatives and domain.

Backpropagation needs only two facts per operation: how to compute the
output from the inputs (the *forward*), and how the output moves when each
input moves (the *local derivatives* ∂out/∂input). Here each op's
``<name>_local(out, *inputs)`` sits right above the line that makes its
record, ``<name> = builtin(<name>_local, forward, ...)``; the op's name is
derived from the function's, so it is written once. Adding an op is one edit
in this file, and users add their own with :func:`defop`.

The local functions are written once and used three ways:

* in the forward pass they get floats, and the node keeps the result, so
  every route through backward reads the same numbers;
* under ``backward(create_graph=True)`` they get the ``Value`` objects, so
  the derivatives are recorded and can be differentiated again;
* a debugger stepping through backward lands in them (``tanh_local``...).

That is why they use only operators and the module-level functions below
(``cos``, ``sqrt``, ...), which give a float for a float and a Value for a
Value.

Example:
    >>> import autograd_lite as ag
    >>> ag.tanh(0.0), ag.tanh(ag.Value(0.0)).op
    (0.0, 'tanh')
    >>> OPS["*"].local(6.0, 2.0, 3.0)        # out = a·b: ∂/∂a = b, ∂/∂b = a
    (3.0, 2.0)
"""

from __future__ import annotations

import builtins
import inspect
import math
import operator
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from . import value as _value
from .value import (
    Constant,
    Value,
    constant,
    describe,
    elementwise,
    is_array,
    math_fallback,
    node,
    operand,
    to_float,
)

#: A local derivative: a float in backward(), a Value under create_graph.
S = Any
Check = Callable[..., "str | tuple[type[Exception], str] | None"]

ONE = 1.0
ZERO = 0.0
LN2 = math.log(2.0)
LN10 = math.log(10.0)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
SQRT1_2 = math.sqrt(0.5)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
LEAKY_SLOPE = 0.01  # as torch.nn.functional.leaky_relu
SOFTPLUS_THRESHOLD = 20.0  # as torch.nn.functional.softplus: x itself above it

_OPS: dict[str, Op] = {}
#: Every op by name (read-only): built-in ones and those added with :func:`defop`.
OPS: Mapping[str, Op] = types.MappingProxyType(_OPS)


def _data(x: S) -> float:
    """The float behind a float or a Value (for ==, which is identity on Values)."""
    return x if type(x) is float else x.data


class Op:
    """One operation: name, forward, local derivatives, domain check, side by side.

    Calling the record applies the op: plain numbers in give a float out
    (built-in ops), and any Value in gives a Value whose ``.op`` is the name.

    Attributes:
        name: the op's name (``"tanh"``, ``"+"``).
        forward: floats in, float out (assumes the domain check passed).
        local: ``local(out, *inputs)`` → one ∂out/∂input per input.
        arity: the number of inputs, or None for any number (``sum``, ``dot``).
        check: ``check(*floats)`` → None, or what is wrong (a domain error).

    Example:
        >>> OPS["log"](1.0), OPS["log"].local(0.0, 2.0)
        (0.0, (0.5,))
    """

    __slots__ = ("arity", "check", "error", "forward", "infix", "local", "name", "user")

    def __init__(
        self,
        name: str,
        forward: Callable[..., float],
        local: Callable[..., tuple[S, ...]],
        arity: int | None,
        check: Check | None = None,
        error: type[Exception] = ValueError,
        infix: bool = False,
        user: bool = False,
    ) -> None:
        self.name = name
        self.forward = forward
        self.local = local
        self.arity = arity
        self.check = check
        self.error = error
        self.infix = infix
        self.user = user

    def __repr__(self) -> str:
        return f"<op {self.name!r}: {self.local.__name__}>"

    def __call__(self, *args: Any) -> Any:
        if self.arity is not None and len(args) != self.arity:
            raise TypeError(
                f"{self.name}() takes {self.arity} argument{'s' * (self.arity != 1)},"
                f" got {len(args)}"
            )
        if self.user or any(isinstance(a, Value) for a in args):
            return self.apply(args)
        xs = [to_float(a, f"{self.name}()") for a in args]
        self.validate(xs, xs)
        return self.forward(*xs)

    def validate(self, xs: Sequence[float], shown: Sequence[Any]) -> None:
        """Raise the op's domain error if ``xs`` is outside it (``shown`` for the message).

        Example:
            >>> OPS["log"].validate([-1.0], [-1.0])
            Traceback (most recent call last):
            ...
            ValueError: log() needs a positive value, got -1.0
        """
        if self.check is None:
            return
        problem = self.check(*xs)
        if problem is None:
            return
        error, text = problem if isinstance(problem, tuple) else (self.error, problem)
        if self.infix:
            a, b = shown
            raise error(f"{text} in {self.name}: {describe(a)} {self.name} {describe(b)}")
        got = ", ".join(describe(v) for v in shown)
        raise error(f"{self.name}() {text}, got {got}")

    def apply(self, args: Iterable[Any]) -> Value:
        """The op on Values (numbers become constants): a new node.

        Example:
            >>> OPS["+"].apply([Value(1.0), 2]).data
            3.0
        """
        values = tuple(
            a if isinstance(a, Value) else constant(to_float(a, self.name)) for a in args
        )
        xs = [v.data for v in values]
        self.validate(xs, values)
        out = self.forward(*xs)
        return node(out, values, self, self.local(out, *xs))


def builtin(
    local: Callable[..., tuple[S, ...]],
    forward: Callable[..., float],
    *,
    arity: int | None = 1,
    check: Check | None = None,
    symbol: str | None = None,
) -> Op:
    """Register a built-in op named after its local function (``tanh_local`` → ``"tanh"``).

    Example:
        >>> OPS["tanh"].local.__name__
        'tanh_local'
    """
    name = symbol or local.__name__.removesuffix("_local")
    if name in _OPS:
        raise ValueError(f"op {name!r} is defined twice")
    record = Op(name, forward, local, arity, check, infix=symbol is not None)
    _OPS[name] = record
    return record


# --- forward helpers: IEEE results instead of Python's exceptions ----------


def _exp(x: float) -> float:
    return math_fallback(math.exp, x, math.inf)


def _trig(fn: Callable[[float], float]) -> Callable[[float], float]:
    def periodic(x: float) -> float:
        return fn(x) if x - x == 0.0 else math.nan  # sin(±inf) is NaN, as in IEEE

    periodic.__name__ = fn.__name__
    return periodic


def _rounding(fn: Callable[[float], int]) -> Callable[[float], float]:
    def rounded(x: float) -> float:
        return float(fn(x)) if x - x == 0.0 else x  # ±inf and NaN stay as they are

    rounded.__name__ = fn.__name__
    return rounded


def power(x: float, y: float) -> float:
    """x ** y that overflows to ±inf (as IEEE arithmetic does) instead of raising.

    Example:
        >>> power(10.0, 400.0), power(-10.0, 401.0)
        (inf, -inf)
    """
    try:
        return x**y
    except OverflowError:
        return -math.inf if x < 0.0 and y % 2.0 == 1.0 else math.inf


def _sigmoid(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)  # e^x cannot overflow here, while e^-x could
    return e / (1.0 + e)


# --- binary operators --------------------------------------------------------


def add_local(out: S, a: S, b: S) -> tuple[S, ...]:
    """out = a + b:  ∂/∂a = 1, ∂/∂b = 1."""
    return (1.0, 1.0)  # literal tuples are constants: nothing allocated per node


add = builtin(add_local, operator.add, arity=2, symbol="+")


def sub_local(out: S, a: S, b: S) -> tuple[S, ...]:
    """out = a - b:  ∂/∂a = 1, ∂/∂b = -1."""
    return (1.0, -1.0)


sub = builtin(sub_local, operator.sub, arity=2, symbol="-")


def mul_local(out: S, a: S, b: S) -> tuple[S, ...]:
    """out = a · b:  ∂/∂a = b, ∂/∂b = a."""
    return (b, a)


mul = builtin(mul_local, operator.mul, arity=2, symbol="*")


def div_local(out: S, a: S, b: S) -> tuple[S, ...]:
    """out = a / b:  ∂/∂a = 1/b, ∂/∂b = -a/b² = -out/b."""
    return (ONE / b, -out / b)


def _divisor_not_zero(a: float, b: float) -> tuple[type[Exception], str] | None:
    return (ZeroDivisionError, "division by zero") if b == 0.0 else None


div = builtin(div_local, operator.truediv, arity=2, check=_divisor_not_zero, symbol="/")


def mod_local(out: S, a: S, b: S) -> tuple[S, ...]:
    """out = a % b = a - b·(a // b) (Python's sign rule):  ∂/∂a = 1, ∂/∂b = -(a // b).

    The quotient is the one the forward used, Python's ``a // b`` (as
    PyTorch's floor division), not floor of the rounded ``a / b``: 1.0 % 0.1
    is 1.0 - 9·0.1, while 1.0 / 0.1 rounds to 10. It is piecewise constant,
    so it is a plain number also under create_graph (its derivative is 0).
    """
    return (ONE, -(_data(a) // _data(b)))


def _modulus_not_zero(a: float, b: float) -> tuple[type[Exception], str] | None:
    return (ZeroDivisionError, "modulo by zero") if b == 0.0 else None


mod = builtin(mod_local, operator.mod, arity=2, check=_modulus_not_zero, symbol="%")


def pow_local(out: S, a: S, b: S) -> tuple[S, ...]:
    """out = a ** b:  ∂/∂a = b·a^(b-1), ∂/∂b = out·ln(a).

    Edges follow PyTorch: where the exponent is 0 the base's derivative is
    exactly 0 (masked where a^(b-1) overflows, kept as b·a^(b-1) elsewhere so
    its own derivative in b survives); at a = 0 the exponent's
    derivative is 0 and a fractional power has an infinite slope, itself
    with an infinite slope (:func:`pole_power`), as PyTorch's. For a < 0
    (reachable with an integer, infinite or NaN exponent: (-2) ** inf is inf
    in Python and PyTorch) ln(a) is not real, so ∂/∂b is NaN, and ∂/∂a is
    b·a^(b-1) as PyTorch's (inf at (-2, inf), NaN at (-0.5, inf): inf·0).
    """
    base, exponent = _data(a), _data(b)
    if base != 0.0:
        d_base: S = b * power_of(a, b - ONE)
        if exponent == 0.0 and not math.isfinite(_data(d_base)):
            d_base = ZERO  # 0 × a^(-1) where a^(-1) overflowed: masked, as PyTorch does
    elif exponent == 0.0:
        d_base = ZERO
    else:
        d_base = b * pole_power(a, b - ONE)  # infinite for b < 1, and so is its derivative
    if base > 0.0:
        d_exponent: S = out * log(a)
    elif base == 0.0:  # 0 for b ≥ 0 (PyTorch masks it); out·ln 0 = -inf below (pole_power)
        d_exponent = ZERO if exponent >= 0.0 else -math.inf
    else:
        d_exponent = math.nan
    return (d_base, d_exponent)


def _power_domain(x: float, y: float) -> tuple[type[Exception], str] | None:
    if x < 0.0 and y - y == 0.0 and not y.is_integer():  # ±inf and NaN: Python's answer
        return (ValueError, "cannot raise a negative base to a fractional power")
    if x == 0.0 and y < 0.0:
        return (ZeroDivisionError, "cannot raise zero to a negative power")
    return None


pow = builtin(pow_local, power, arity=2, check=_power_domain, symbol="**")


def power_of(a: S, b: S) -> S:
    """a ** b for floats (overflowing to ±inf) or Values (recorded).

    Example:
        >>> power_of(2.0, 3.0), power_of(Value(2.0), 3.0).op
        (8.0, '**')
    """
    return power(a, b) if type(a) is float and type(b) is float else a**b


def pole_power(a: S, k: S) -> S:
    """a ** k, but +inf at a = 0 for k < 0 (as IEEE and PyTorch give) where ``**`` refuses.

    A derivative that is infinite at a point (√a at 0, asin at ±1) is written
    with it there, so that under create_graph its own derivative is infinite
    too (k·a^(k-1)) instead of the 0 of a constant inf.

    Example:
        >>> pole_power(0.0, -0.5), pole_power(4.0, -0.5)
        (inf, 0.5)
        >>> import autograd_lite as ag
        >>> x = Value(0.0); ag.gradients(pole_power(x, -0.5), [x])
        [-inf]
    """
    if _data(a) != 0.0 or _data(k) >= 0.0:
        return power_of(a, k)
    if not isinstance(a, Value) and not isinstance(k, Value):
        return math.inf
    inputs = tuple(v if isinstance(v, Value) else constant(v) for v in (a, k))
    return node(math.inf, inputs, pow, pow_local(math.inf, 0.0, _data(k)))


# --- unary functions ---------------------------------------------------------


def identity_local(out: S, a: S) -> tuple[S, ...]:
    """out = a (a fresh handle on a, used by the functional API):  ∂/∂a = 1."""
    return (1.0,)


identity = builtin(identity_local, float)


def neg_local(out: S, a: S) -> tuple[S, ...]:
    """out = -a:  ∂/∂a = -1."""
    return (-1.0,)


neg = builtin(neg_local, operator.neg)


def abs_local(out: S, a: S) -> tuple[S, ...]:
    """out = |a|:  ∂/∂a = sign(a), with sign(0) = 0 as in PyTorch."""
    return (1.0,) if a > 0.0 else (-1.0,) if a < 0.0 else (0.0,)


abs = builtin(abs_local, math.fabs)


def exp_local(out: S, a: S) -> tuple[S, ...]:
    """out = eᵃ:  ∂/∂a = eᵃ = out."""
    return (out,)


exp = builtin(exp_local, _exp)


def log_local(out: S, a: S) -> tuple[S, ...]:
    """out = ln a:  ∂/∂a = 1/a."""
    return (ONE / a,)


def _positive(x: float) -> str | None:
    return "needs a positive value" if x <= 0.0 else None


log = builtin(log_local, math.log, check=_positive)


def sqrt_local(out: S, a: S) -> tuple[S, ...]:
    """out = √a:  ∂/∂a = 1/(2√a) = 0.5/out, infinite at a = 0 (as is its derivative)."""
    return (0.5 / out if _data(out) != 0.0 else 0.5 * pole_power(a, -0.5),)


def _non_negative(x: float) -> str | None:
    return "needs a non-negative value" if x < 0.0 else None


sqrt = builtin(sqrt_local, math.sqrt, check=_non_negative)


def tanh_local(out: S, a: S) -> tuple[S, ...]:
    """out = tanh a:  ∂/∂a = 1 - tanh² a = 1 - out²."""
    return (ONE - out * out,)


tanh = builtin(tanh_local, math.tanh)


def sigmoid_local(out: S, a: S) -> tuple[S, ...]:
    """out = σ(a) = 1/(1 + e⁻ᵃ):  ∂/∂a = σ(a)(1 - σ(a)) = out(1 - out)."""
    return (out * (ONE - out),)


sigmoid = builtin(sigmoid_local, _sigmoid)


def relu_local(out: S, a: S) -> tuple[S, ...]:
    """out = max(0, a):  ∂/∂a = 1 if a > 0 else 0 (0 at a = 0, as in PyTorch)."""
    return (1.0,) if a > 0.0 else (0.0,)


def _relu(x: float) -> float:
    return x if x > 0.0 or x != x else 0.0  # NaN stays NaN


relu = builtin(relu_local, _relu)


def leaky_relu_local(out: S, a: S) -> tuple[S, ...]:
    """out = a if a > 0 else 0.01·a:  ∂/∂a = 1 if a > 0 else 0.01 (PyTorch's default slope)."""
    return (1.0,) if a > 0.0 else (LEAKY_SLOPE,)


def _leaky_relu(x: float) -> float:
    return x if x > 0.0 else LEAKY_SLOPE * x


leaky_relu = builtin(leaky_relu_local, _leaky_relu)


def elu_local(out: S, a: S) -> tuple[S, ...]:
    """out = a if a > 0 else eᵃ - 1:  ∂/∂a = 1 if a > 0 else eᵃ = out + 1."""
    return (ONE if a > 0.0 else out + ONE,)


def _elu(x: float) -> float:
    return x if x > 0.0 else math.expm1(x)


elu = builtin(elu_local, _elu)


def gelu_local(out: S, a: S) -> tuple[S, ...]:
    """out = a·Φ(a) (exact, with erf):  ∂/∂a = Φ(a) + a·φ(a)."""
    cdf = 0.5 * (ONE + erf(a * SQRT1_2))
    return (cdf + a * exp(-0.5 * a * a) * INV_SQRT_2PI,)


def _gelu(x: float) -> float:
    return 0.5 * x * (1.0 + math.erf(x * SQRT1_2))


gelu = builtin(gelu_local, _gelu)


def softplus_local(out: S, a: S) -> tuple[S, ...]:
    """out = ln(1 + eᵃ) (a itself above 20, as PyTorch):  ∂/∂a = σ(a) (1 above 20)."""
    return (ONE if a > SOFTPLUS_THRESHOLD else sigmoid(a),)


def _softplus(x: float) -> float:
    return x if x > SOFTPLUS_THRESHOLD else math.log1p(math.exp(x))


softplus = builtin(softplus_local, _softplus)


def sin_local(out: S, a: S) -> tuple[S, ...]:
    """out = sin a:  ∂/∂a = cos a."""
    return (cos(a),)


sin = builtin(sin_local, _trig(math.sin))


def cos_local(out: S, a: S) -> tuple[S, ...]:
    """out = cos a:  ∂/∂a = -sin a."""
    return (-sin(a),)


cos = builtin(cos_local, _trig(math.cos))


def tan_local(out: S, a: S) -> tuple[S, ...]:
    """out = tan a:  ∂/∂a = 1 + tan² a = 1 + out²."""
    return (ONE + out * out,)


tan = builtin(tan_local, _trig(math.tan))


def sinh_local(out: S, a: S) -> tuple[S, ...]:
    """out = sinh a:  ∂/∂a = cosh a."""
    return (cosh(a),)


def _sinh(x: float) -> float:
    return math_fallback(math.sinh, x, math.copysign(math.inf, x))


sinh = builtin(sinh_local, _sinh)


def cosh_local(out: S, a: S) -> tuple[S, ...]:
    """out = cosh a:  ∂/∂a = sinh a."""
    return (sinh(a),)


def _cosh(x: float) -> float:
    return math_fallback(math.cosh, x, math.inf)


cosh = builtin(cosh_local, _cosh)


def _unit_interval(x: float) -> str | None:
    return "needs a value in [-1, 1]" if not -1.0 <= x <= 1.0 and x == x else None


def asin_local(out: S, a: S) -> tuple[S, ...]:
    """out = asin a:  ∂/∂a = 1/√(1 - a²), infinite at a = ±1 (as is its derivative)."""
    if math.fabs(_data(a)) != 1.0:
        return (ONE / sqrt(ONE - a * a),)
    return (pole_power(ONE - a * a, -0.5),)


asin = builtin(asin_local, math.asin, check=_unit_interval)


def acos_local(out: S, a: S) -> tuple[S, ...]:
    """out = acos a:  ∂/∂a = -1/√(1 - a²), infinite at a = ±1 (as is its derivative)."""
    if math.fabs(_data(a)) != 1.0:
        return (-ONE / sqrt(ONE - a * a),)
    return (-pole_power(ONE - a * a, -0.5),)


acos = builtin(acos_local, math.acos, check=_unit_interval)


def atan_local(out: S, a: S) -> tuple[S, ...]:
    """out = atan a:  ∂/∂a = 1/(1 + a²)."""
    return (ONE / (ONE + a * a),)


atan = builtin(atan_local, math.atan)


def asinh_local(out: S, a: S) -> tuple[S, ...]:
    """out = asinh a:  ∂/∂a = 1/√(a² + 1)."""
    return (ONE / sqrt(a * a + ONE),)


asinh = builtin(asinh_local, math.asinh)


def acosh_local(out: S, a: S) -> tuple[S, ...]:
    """out = acosh a:  ∂/∂a = 1/√(a² - 1), infinite at a = 1 (as is its derivative)."""
    if _data(a) != 1.0:
        return (ONE / sqrt(a * a - ONE),)
    return (pole_power(a * a - ONE, -0.5),)


def _at_least_one(x: float) -> str | None:
    return "needs a value >= 1" if x < 1.0 else None


acosh = builtin(acosh_local, math.acosh, check=_at_least_one)


def atanh_local(out: S, a: S) -> tuple[S, ...]:
    """out = atanh a:  ∂/∂a = 1/(1 - a²)."""
    return (ONE / (ONE - a * a),)


def _open_unit_interval(x: float) -> str | None:
    return "needs a value in (-1, 1)" if not -1.0 < x < 1.0 and x == x else None


atanh = builtin(atanh_local, math.atanh, check=_open_unit_interval)


def log1p_local(out: S, a: S) -> tuple[S, ...]:
    """out = ln(1 + a):  ∂/∂a = 1/(1 + a)."""
    return (ONE / (ONE + a),)


def _above_minus_one(x: float) -> str | None:
    return "needs a value > -1" if x <= -1.0 else None


log1p = builtin(log1p_local, math.log1p, check=_above_minus_one)


def expm1_local(out: S, a: S) -> tuple[S, ...]:
    """out = eᵃ - 1:  ∂/∂a = eᵃ = out + 1."""
    return (out + ONE,)


def _expm1(x: float) -> float:
    return math_fallback(math.expm1, x, math.inf)


expm1 = builtin(expm1_local, _expm1)


def log2_local(out: S, a: S) -> tuple[S, ...]:
    """out = log₂ a:  ∂/∂a = 1/(a·ln 2) (divided in turn: a·ln 2 may underflow to 0)."""
    return (ONE / a / LN2,)


log2 = builtin(log2_local, math.log2, check=_positive)


def log10_local(out: S, a: S) -> tuple[S, ...]:
    """out = log₁₀ a:  ∂/∂a = 1/(a·ln 10) (divided in turn: a·ln 10 may underflow to 0)."""
    return (ONE / a / LN10,)


log10 = builtin(log10_local, math.log10, check=_positive)


def exp2_local(out: S, a: S) -> tuple[S, ...]:
    """out = 2ᵃ:  ∂/∂a = 2ᵃ·ln 2 = out·ln 2."""
    return (out * LN2,)


def _exp2(x: float) -> float:
    return power(2.0, x)


exp2 = builtin(exp2_local, _exp2)


def erf_local(out: S, a: S) -> tuple[S, ...]:
    """out = erf a:  ∂/∂a = 2/√π · e^(-a²)."""
    return (TWO_OVER_SQRT_PI * exp(-(a * a)),)


erf = builtin(erf_local, math.erf)


def floor_local(out: S, a: S) -> tuple[S, ...]:
    """out = ⌊a⌋:  ∂/∂a = 0 (a step function; 0 everywhere it is defined, as PyTorch)."""
    return (0.0,)


floor = builtin(floor_local, _rounding(math.floor))


def ceil_local(out: S, a: S) -> tuple[S, ...]:
    """out = ⌈a⌉:  ∂/∂a = 0."""
    return (0.0,)


ceil = builtin(ceil_local, _rounding(math.ceil))


def trunc_local(out: S, a: S) -> tuple[S, ...]:
    """out = a rounded toward 0:  ∂/∂a = 0."""
    return (0.0,)


trunc = builtin(trunc_local, _rounding(math.trunc))


# --- binary functions --------------------------------------------------------


def atan2_local(out: S, y: S, x: S) -> tuple[S, ...]:
    """out = atan2(y, x):  ∂/∂y = x/r², ∂/∂x = -y/r² with r = hypot(x, y) (0 at the origin).

    At the origin the slope is undefined; PyTorch gives 0 there, and so do we.
    Divided by r twice rather than by x² + y², which underflows to 0 for tiny x and y.
    """
    if _data(x) == 0.0 and _data(y) == 0.0:
        return (ZERO, ZERO)
    r = hypot(x, y)
    return (x / r / r, -y / r / r)


atan2 = builtin(atan2_local, math.atan2, arity=2)


def hypot_local(out: S, x: S, y: S) -> tuple[S, ...]:
    """out = √(x² + y²):  ∂/∂x = x/out, ∂/∂y = y/out (NaN at the origin, as PyTorch)."""
    if _data(out) == 0.0:
        return (math.nan, math.nan)
    return (x / out, y / out)


hypot = builtin(hypot_local, math.hypot, arity=2)


def maximum_local(out: S, a: S, b: S) -> tuple[S, ...]:
    """out = max(a, b):  the larger input gets 1; a tie splits it, ½ each (as PyTorch)."""
    x, y = _data(a), _data(b)
    if x > y:
        return (ONE, ZERO)
    if x < y:
        return (ZERO, ONE)
    return (0.5, 0.5) if x == y else (ONE, ONE)


def _maximum(x: float, y: float) -> float:
    if x != x or y != y:
        return math.nan  # NaN wins, as in numpy and PyTorch
    return x if x >= y else y


maximum = builtin(maximum_local, _maximum, arity=2)


def minimum_local(out: S, a: S, b: S) -> tuple[S, ...]:
    """out = min(a, b):  the smaller input gets 1; a tie splits it, ½ each (as PyTorch)."""
    x, y = _data(a), _data(b)
    if x < y:
        return (ONE, ZERO)
    if x > y:
        return (ZERO, ONE)
    return (0.5, 0.5) if x == y else (ONE, ONE)


def _minimum(x: float, y: float) -> float:
    if x != x or y != y:
        return math.nan
    return x if x <= y else y


minimum = builtin(minimum_local, _minimum, arity=2)


def _logistic(d: S) -> S:
    """σ(d) = 1/(1 + e⁻ᵈ) with an exponent ≤ 0 whatever d is.

    So neither it nor its derivatives (under create_graph) overflow or cancel:
    1/(1 + e⁻ᵈ) for d ≥ 0, eᵈ/(1 + eᵈ) below.
    """
    if _data(d) >= 0.0:
        return ONE / (ONE + exp(-d))
    e = exp(d)
    return e / (ONE + e)


def logaddexp_local(out: S, a: S, b: S) -> tuple[S, ...]:
    """out = ln(eᵃ + eᵇ):  ∂/∂a = σ(a - b) = 1/(1 + e^(b-a)), ∂/∂b = σ(b - a)."""
    return (_logistic(a - b), _logistic(b - a))


def _logaddexp(x: float, y: float) -> float:
    if x == y:  # also both -inf or both +inf
        return x + LN2
    big, small = (x, y) if x > y else (y, x)
    return big + math.log1p(math.exp(small - big))


logaddexp = builtin(logaddexp_local, _logaddexp, arity=2)


# --- n-ary operations --------------------------------------------------------


def sum_local(out: S, *args: S) -> tuple[S, ...]:
    """out = Σ args:  ∂/∂argᵢ = 1."""
    return (ONE,) * len(args)


def _sum(*xs: float) -> float:
    return builtins.sum(xs, 0.0)


sum = builtin(sum_local, _sum, arity=None)


def dot_local(out: S, *args: S) -> tuple[S, ...]:
    """out = Σ wᵢxᵢ (+ b), args = (w₁..wₙ, x₁..xₙ[, b]):  ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ, ∂/∂b = 1."""
    n = len(args) // 2
    bias = (ONE,) if len(args) % 2 else ()
    return args[n : 2 * n] + args[:n] + bias


def _dot(*args: float) -> float:
    n = len(args) // 2
    out = builtins.sum(map(operator.mul, args[:n], args[n : 2 * n]), 0.0)
    return out + args[-1] if len(args) % 2 else out


dot = builtin(dot_local, _dot, arity=None)


# --- Value's operators and methods, made from the records --------------------
# One generic body per kind of op (binary, reflected, unary), specialised by
# closing over the record: the per-node work is read the data, check the
# domain, compute, record the node with the values it used.


Method = Callable[..., Any]


def _binary_method(op: Op, python_op: Callable[[Any, Any], Any]) -> tuple[Method, Method]:
    forward, local, check = op.forward, op.local, op.check

    def binary(self: Value, other: Any) -> Any:
        b = other if type(other) is Value else operand(other, op.name)
        if b is None:
            return elementwise(python_op, self, other) if is_array(other) else NotImplemented
        x, y = self.data, b.data
        if check is not None:
            op.validate((x, y), (self, b))
        out = forward(x, y)
        return node(out, (self, b), op, local(out, x, y))

    def reflected(self: Value, other: Any) -> Any:
        a = operand(other, op.name)
        if a is None:
            return elementwise(python_op, other, self) if is_array(other) else NotImplemented
        return binary(a, self)

    binary.__doc__ = reflected.__doc__ = op.local.__doc__
    return binary, reflected


def _unary_method(op: Op) -> Callable[[Value], Value]:
    forward, local = op.forward, op.local
    if op.check is None:

        def unary(self: Value) -> Value:
            x = self.data
            out = forward(x)
            return node(out, (self,), op, local(out, x))

    else:

        def unary(self: Value) -> Value:
            x = self.data
            op.validate((x,), (self,))
            out = forward(x)
            return node(out, (self,), op, local(out, x))

    unary.__name__ = op.name
    unary.__qualname__ = f"Value.{op.name}"
    unary.__doc__ = op.local.__doc__
    return unary


_OPERATORS = {
    "+": ("add", operator.add),
    "-": ("sub", operator.sub),
    "*": ("mul", operator.mul),
    "/": ("truediv", operator.truediv),
    "%": ("mod", operator.mod),
    "**": ("pow", operator.pow),
}
#: numpy's names where they differ from Python's math, so np.arcsin works on object arrays.
NUMPY_NAMES = {
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "arcsinh": "asinh",
    "arccosh": "acosh",
    "arctanh": "atanh",
}


def _arctan2(self: Value, other: Any) -> Value:
    """numpy's name for ``atan2(self, other)``: np.arctan2 calls it on object arrays."""
    return atan2(self, other)


def _hypot(self: Value, other: Any) -> Value:
    """numpy's name for ``hypot(self, other)``: np.hypot calls it on object arrays."""
    return hypot(self, other)


def _conjugate(self: Value) -> Value:
    """A real number is its own conjugate (as ``float.conjugate``): np.vecdot calls it."""
    return self


def _refused(name: str, instead: str) -> Method:
    def refuse(self: Value, *args: Any) -> Any:
        raise TypeError(f"{name}() is not defined for Values ({describe(self)}); {instead}")

    refuse.__name__ = name
    refuse.__qualname__ = f"Value.{name}"
    refuse.__doc__ = f"np.{name} on Values: a TypeError ({instead})."
    return refuse


#: numpy ufuncs whose object loops call a method no op provides: a TypeError, not an
#: AttributeError from inside numpy.
REFUSED = {
    "fmod": "use % (Python's sign rule: the sign of the divisor)",
    "logical_xor": "compare the .data, or use bool(a) != bool(b)",
}


def _integer(fn: Callable[[float], int]) -> Callable[[Value], int]:
    def rounded(self: Value) -> int:
        # The number leaves the graph, as with int(x): a watching monitor is told.
        return int(self) if fn is math.trunc else fn(float(self))

    rounded.__name__ = f"__{fn.__name__}__"
    return rounded


def _round(self: Value, ndigits: int | None = None) -> float:
    """round(x) and round(x, n), as for the float (the number leaves the graph)."""
    return round(float(self)) if ndigits is None else round(float(self), ndigits)


def _install() -> None:
    for symbol, (name, python_op) in _OPERATORS.items():
        binary, reflected = _binary_method(_OPS[symbol], python_op)
        binary.__name__, reflected.__name__ = f"__{name}__", f"__r{name}__"
        binary.__qualname__ = f"Value.__{name}__"
        reflected.__qualname__ = f"Value.__r{name}__"
        if symbol == "**":
            _value._pow = binary  # __pow__ itself also takes a modulus argument
        else:
            setattr(Value, binary.__name__, binary)
        setattr(Value, reflected.__name__, reflected)
    Value.__neg__ = _unary_method(neg)  # type: ignore[method-assign]
    Value.__abs__ = _unary_method(abs)  # type: ignore[method-assign]
    for record in list(_OPS.values()):
        if record.arity == 1 and record.name not in ("neg", "abs"):
            setattr(Value, record.name, _unary_method(record))
    for alias, name in NUMPY_NAMES.items():
        setattr(Value, alias, getattr(Value, name))
    # math.floor/ceil/trunc give the integer, as for a float (so range(math.floor(x))
    # and indexing work); x.floor() or ag.floor(x) is the op, which keeps the graph.
    Value.__floor__ = _integer(math.floor)  # type: ignore[method-assign,assignment]
    Value.__ceil__ = _integer(math.ceil)  # type: ignore[method-assign,assignment]
    Value.__trunc__ = _integer(math.trunc)  # type: ignore[method-assign,assignment]
    Value.__round__ = _round  # type: ignore[method-assign,assignment]
    Value.arctan2 = _arctan2  # type: ignore[method-assign]
    Value.hypot = _hypot  # type: ignore[method-assign]
    Value.conjugate = _conjugate  # type: ignore[method-assign]
    for name, instead in REFUSED.items():
        setattr(Value, name, _refused(name, instead))


_install()


# --- n-ary nodes: a whole neuron, a whole batch of losses --------------------

_VALUE_TYPES = frozenset({Value, Constant})
_data_of = operator.attrgetter("data")


def _as_values(xs: Any, what: str) -> tuple[Value, ...]:
    kind = type(xs)
    # Lists and tuples (the common cases) skip the ABC checks.
    if (kind is not tuple and kind is not list) and (
        isinstance(xs, (str, bytes, Mapping)) or not isinstance(xs, Iterable)
    ):
        raise TypeError(
            f"{what} needs a sequence of numbers or Values, got {kind.__name__} {xs!r:.60}"
        )
    xs = xs if kind is tuple else tuple(xs)
    if _VALUE_TYPES.issuperset(map(type, xs)):  # the common case, checked in C
        return xs
    return tuple(x if isinstance(x, Value) else constant(to_float(x, what)) for x in xs)


def dot_values(ws: Iterable[Any], xs: Iterable[Any], bias: Any = None) -> Value:
    """z = Σᵢ wᵢ·xᵢ (+ b) as a single node: the textbook neuron's weighted sum (``ag.dot``).

    Local derivatives: ∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ, ∂z/∂b = 1. Inputs are
    ``(w₁..wₙ, x₁..xₙ, b)`` in that order.

    Example:
        >>> import autograd_lite as ag
        >>> w = [ag.Value(0.5), ag.Value(-1.0)]
        >>> z = ag.dot(w, [2.0, 3.0], bias=1.0)
        >>> z.data
        -1.0
    """
    wv = _as_values(ws, "dot() weights")
    xv = _as_values(xs, "dot() inputs")
    if len(wv) != len(xv):
        raise ValueError(
            f"dot() needs as many weights as inputs, got {len(wv)} weights and {len(xv)} inputs"
        )
    wd = list(map(_data_of, wv))
    xd = list(map(_data_of, xv))
    out = builtins.sum(map(operator.mul, wd, xd), 0.0)
    if bias is None:
        return node(out, wv + xv, dot, dot_local(out, *wd, *xd))
    b = bias if isinstance(bias, Value) else constant(to_float(bias, "dot() bias"))
    out += b.data
    return node(out, (*wv, *xv, b), dot, dot_local(out, *wd, *xd, b.data))


def sum_values(values: Iterable[Any]) -> Value:
    """Σ values as a single node: one node for a whole batch of losses (``ag.sum``).

    Example:
        >>> import autograd_lite as ag
        >>> s = ag.sum([ag.Value(1.0), 2, ag.Value(3.0)])
        >>> s.data, len(s.inputs)
        (6.0, 3)
    """
    vs = _as_values(values, "sum()")
    if not vs:
        return Value(0.0)
    data = list(map(_data_of, vs))
    out = builtins.sum(data, 0.0)
    return node(out, vs, sum, sum_local(out, *data))


# --- user-defined ops ---------------------------------------------------------


def defop(name: str, forward: Callable[..., float], local: Callable[..., Sequence[Any]]) -> Op:
    """Add an op from outside the package; it works everywhere a built-in one does.

    Args:
        name: the op's name (shown in drawings, steps, errors); must be new.
        forward: ``forward(*floats) -> float``.
        local: ``local(out, *inputs) -> tuple`` of ∂out/∂input, written with
            operators and ``ag.<function>``s so that the same code works on
            floats (``backward()``) and on Values (``create_graph``, ``ag.grad``).

    Returns:
        The op: call it with Values or numbers to get a Value whose ``.op`` is ``name``.

    Example:
        >>> import math, autograd_lite as ag
        >>> softplus = ag.defop("my_softplus", lambda x: math.log1p(math.exp(x)),
        ...                     lambda out, x: (ag.sigmoid(x),))
        >>> y = softplus(ag.Value(0.0)); y.backward()
        >>> y.op, round(y.data, 6), y.inputs[0].grad
        ('my_softplus', 0.693147, 0.5)
    """
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"defop() needs a non-empty str name, got {name!r}")
    if name in _OPS:
        raise ValueError(f"defop(): an op named {name!r} already exists ({_OPS[name]!r})")
    if not callable(forward) or not callable(local):
        raise TypeError(f"defop({name!r}) needs callable forward and local functions")
    arity = _arity(forward, name)

    def user_forward(*xs: float) -> float:
        return to_float(forward(*xs), f"{name}() forward")

    def user_local(out: S, *inputs: S) -> tuple[S, ...]:
        derivatives = local(out, *inputs)
        if isinstance(derivatives, Value) or not isinstance(derivatives, (tuple, list)):
            derivatives = (derivatives,) if len(inputs) == 1 else derivatives
        if not isinstance(derivatives, (tuple, list)) or len(derivatives) != len(inputs):
            count = len(derivatives) if isinstance(derivatives, (tuple, list)) else "1"
            raise TypeError(
                f"the local function of op {name!r} returned {count} derivative(s)"
                f" for {len(inputs)} input(s); it must return one per input, as a tuple"
            )
        if type(out) is float:  # backward() with floats: a Value made by an op call is read
            return tuple(d.data if isinstance(d, Value) else to_float(d, name) for d in derivatives)
        return tuple(derivatives)

    user_local.__doc__ = local.__doc__ or f"The local derivatives of the user op {name!r}."
    user_local.__qualname__ = user_local.__name__ = f"{_identifier(name)}_local"
    record = Op(name, user_forward, user_local, arity, user=True)
    _OPS[name] = record
    return record


def _arity(forward: Callable[..., Any], name: str) -> int | None:
    try:
        params = inspect.signature(forward).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return None
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if not positional:
        raise TypeError(f"defop({name!r}): forward must take at least one input")
    return len(positional)


def _identifier(name: str) -> str:
    text = "".join(c if c.isalnum() else "_" for c in name)
    return text if text.isidentifier() else f"op_{text}"
