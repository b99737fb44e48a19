"""Finite-difference checks: does the engine's gradient match the slope?

``gradcheck`` compares each analytic partial derivative with a central
difference (f(x+ε) - f(x-ε)) / 2ε; ``gradgradcheck`` does the same one order
up, comparing the analytic second derivatives with differences of the
analytic first derivatives.

Example:
    >>> import autograd_lite as ag
    >>> ag.gradcheck(lambda x, y: (x * y).tanh(), [0.3, -1.2])
    True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from .functional import grad, value_and_grad
from .mode import no_grad
from .value import Value, to_float


class GradcheckError(AssertionError):
    """An analytic derivative disagrees with its finite-difference estimate.

    Attributes:
        index: position of the offending input; ``order`` 1 or 2.
        analytic, numeric: the two estimates that disagree.
    """

    def __init__(
        self, message: str, index: int, analytic: float, numeric: float, order: int = 1
    ) -> None:
        super().__init__(message)
        self.index = index
        self.analytic = analytic
        self.numeric = numeric
        self.order = order


def _evaluate(f: Callable[..., Any], xs: Sequence[float]) -> float:
    with no_grad():
        out = f(*[Value(x) for x in xs])
    return out.data if isinstance(out, Value) else to_float(out, "gradcheck's function result")


def _slope(fn: Callable[[Sequence[float]], float], xs: list[float], i: int, eps: float) -> float:
    """Central difference in coordinate i, one-sided if one side is outside the domain."""

    def at(delta: float) -> float | None:
        moved = list(xs)
        moved[i] += delta
        try:
            return fn(moved)
        except (ValueError, ZeroDivisionError):
            return None

    up, down, here = at(eps), at(-eps), fn(xs)
    if up is not None and down is not None:
        return (up - down) / (2 * eps)
    if up is not None:
        return (up - here) / eps
    if down is not None:
        return (here - down) / eps
    raise ValueError(f"gradcheck could not evaluate the function on either side of input {i}")


def _compare(
    pairs: list[tuple[int, float, float]], atol: float, rtol: float, order: int, labels: list[str]
) -> None:
    worst: tuple[float, int, float, float] | None = None
    for i, analytic, numeric in pairs:
        both_finite = math.isfinite(analytic) and math.isfinite(numeric)
        excess = abs(analytic - numeric) - (atol + rtol * abs(numeric)) if both_finite else math.inf
        if excess > 0 and (worst is None or excess > worst[0]):
            worst = (excess, i, analytic, numeric)
    if worst is not None:
        _, i, analytic, numeric = worst
        kind = "gradient" if order == 1 else "second derivative"
        raise GradcheckError(
            f"gradcheck failed: {kind} for input {i}{labels[i]} is {analytic!r} analytically "
            f"but {numeric!r} numerically (|difference| {abs(analytic - numeric):.3g} > "
            f"atol {atol:g} + rtol {rtol:g} x |numeric|)",
            i,
            analytic,
            numeric,
            order,
        )


def _floats(inputs: Sequence[Any], eps: float) -> tuple[list[float], list[str]]:
    if not eps > 0.0:
        raise ValueError(f"gradcheck needs a positive step eps, got {eps!r}")
    if isinstance(inputs, Value) or not hasattr(inputs, "__len__"):
        inputs = [inputs]  # a single scalar
    xs = [x.data if isinstance(x, Value) else to_float(x, "gradcheck input") for x in inputs]
    labels = [f" ({x.label!r})" if isinstance(x, Value) and x.label else "" for x in inputs]
    return xs, labels


def gradcheck(
    f: Callable[..., Any],
    inputs: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check every ∂f/∂inputᵢ against a central difference; True or GradcheckError.

    Args:
        f: a function of ``len(inputs)`` scalar Values returning a scalar.
        inputs: the point to check at (numbers or Values; only ``.data`` is used).
        eps: the finite-difference step.
        atol, rtol: pass when |analytic - numeric| <= atol + rtol·|numeric|.

    Raises:
        GradcheckError: naming the worst input with both estimates.

    Example:
        >>> import autograd_lite as ag
        >>> ag.gradcheck(lambda x: x.sqrt() * x.exp(), [1.5])
        True
    """
    xs, labels = _floats(inputs, eps)
    if not xs:
        raise ValueError("gradcheck needs at least one input")
    everything = tuple(range(len(xs)))
    _, analytic = value_and_grad(f, everything)(*xs)
    pairs = [
        (i, float(analytic[i]), _slope(lambda p: _evaluate(f, p), xs, i, eps)) for i in everything
    ]
    _compare(pairs, atol, rtol, 1, labels)
    return True


def gradgradcheck(
    f: Callable[..., Any],
    inputs: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check every second derivative ∂²f/∂xᵢ∂xⱼ against differences of the gradient.

    Example:
        >>> import autograd_lite as ag
        >>> ag.gradgradcheck(lambda x, y: (x * y).sin(), [0.4, 1.1])
        True
    """
    xs, labels = _floats(inputs, eps)
    if not xs:
        raise ValueError("gradgradcheck needs at least one input")
    everything = tuple(range(len(xs)))
    for i in everything:
        first = grad(f, i)
        _, second = value_and_grad(first, everything)(*xs)

        def first_at(point: Sequence[float], first: Callable[..., Any] = first) -> float:
            return float(first(*point))

        pairs = [(j, float(second[j]), _slope(first_at, xs, j, eps)) for j in everything]
        _compare(pairs, atol, rtol, 2, labels)
    return True
