"""The one op table the tests share: every op, how to call it, and its PyTorch twin.

Each entry knows how to apply the op to operands of either library (the
same arithmetic shapes the operands into the op's domain first, so random
graphs never leave it), so the op tests, the PyTorch oracle, the property
tests and the random graphs all come from here. ``test_op_table.py`` checks
that it covers every op the engine defines.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import autograd_lite as ag


def squash(v: Any) -> Any:
    """Into (-1, 1), smoothly: keeps saturating and periodic functions well conditioned."""
    return v / (abs(v) + 1.0)


def _torch() -> Any:
    import torch

    return torch


def _F() -> Any:
    import torch.nn.functional as F

    return F


@dataclass(frozen=True)
class OpCase:
    """One op: ``ag_call``/``torch_call`` take raw operands and shape them into the domain.

    ``points`` are raw operand tuples for the direct tests; ``bad`` is an
    out-of-domain point with the exception it must raise (None: no domain).
    """

    name: str
    arity: int
    ag_call: Callable[..., Any]
    torch_call: Callable[..., Any]
    points: tuple[tuple[float, ...], ...]
    bad: tuple[tuple[float, ...], type[Exception]] | None = None
    smooth: bool = True  # differentiable everywhere the table samples (finite differences apply)


def _unary(
    name: str,
    shape: Callable[[Any], Any] = lambda v: v,
    torch_name: str | None = None,
    points: tuple[float, ...] = (-1.3, -0.2, 0.4, 1.7),
    bad: tuple[float, type[Exception]] | None = None,
    smooth: bool = True,
    torch_fn: Callable[[Any], Any] | None = None,
) -> OpCase:
    def ag_call(a: Any) -> Any:
        if name in ("neg", "abs"):
            return _builtin(name, shape(a))  # through the operators
        return ag.OPS[name](shape(a))

    def torch_call(a: Any) -> Any:
        x = shape(a)
        if torch_fn is not None:
            return torch_fn(x)
        return getattr(_torch(), torch_name or name)(x)

    return OpCase(
        name,
        1,
        ag_call,
        torch_call,
        tuple((p,) for p in points),
        None if bad is None else ((bad[0],), bad[1]),
        smooth,
    )


def _builtin(name: str, a: Any) -> Any:
    return -a if name == "neg" else abs(a)


def positive(v: Any) -> Any:
    return v * v + 0.5


TABLE: dict[str, OpCase] = {}


def _add(case: OpCase) -> None:
    TABLE[case.name] = case


# -- binary operators --
_add(OpCase("+", 2, lambda a, b: a + b, lambda a, b: a + b, ((0.5, 1.5), (-2.0, 3.0))))
_add(OpCase("-", 2, lambda a, b: a - b, lambda a, b: a - b, ((0.5, 1.5), (-2.0, 3.0))))
_add(OpCase("*", 2, lambda a, b: a * b, lambda a, b: a * b, ((0.5, 1.5), (-2.0, 3.0))))
_add(
    OpCase(
        "/",
        2,
        lambda a, b: a / (b * b + 0.5),
        lambda a, b: a / (b * b + 0.5),
        ((0.5, 1.5), (-2.0, 0.3)),
    )
)
_add(
    OpCase(
        "%",
        2,
        lambda a, b: (a * 3.0) % (b * b + 0.5),
        lambda a, b: _torch().remainder(a * 3.0, b * b + 0.5),
        ((0.5, 1.5), (-2.0, 0.3), (1.1, -0.7)),
        smooth=False,
    )
)
_add(
    OpCase(
        "**",
        2,
        lambda a, b: (a * a + 0.25) ** (squash(b) * 2.0 + 0.5),
        lambda a, b: (a * a + 0.25) ** (squash(b) * 2.0 + 0.5),
        ((0.5, 1.5), (-2.0, 0.3), (1.1, -0.7)),
    )
)
# -- unary functions (with Python's and PyTorch's names) --
_add(_unary("neg", torch_fn=lambda x: -x))
_add(_unary("abs", torch_fn=lambda x: abs(x), smooth=False))
_add(_unary("identity", torch_fn=lambda x: x.clone()))
_add(_unary("exp", lambda v: squash(v) * 3.0))
_add(_unary("log", positive, bad=(-1.0, ValueError)))
_add(_unary("sqrt", positive, bad=(-1.0, ValueError)))
_add(_unary("tanh", lambda v: squash(v) * 2.0))
_add(_unary("sigmoid", lambda v: squash(v) * 2.0))
_add(_unary("relu", smooth=False))
_add(_unary("sin", lambda v: squash(v) * 2.0))
_add(_unary("cos", lambda v: squash(v) * 2.0))
_add(_unary("tan", lambda v: squash(v) * 1.2))
_add(_unary("sinh", lambda v: squash(v) * 3.0))
_add(_unary("cosh", lambda v: squash(v) * 3.0))
_add(_unary("asin", lambda v: squash(v) * 0.9, bad=(1.5, ValueError)))
_add(_unary("acos", lambda v: squash(v) * 0.9, bad=(-1.5, ValueError)))
_add(_unary("atan", lambda v: v * 2.0))
_add(_unary("asinh", lambda v: v * 2.0))
_add(_unary("acosh", lambda v: v * v + 1.5, bad=(0.5, ValueError)))
_add(_unary("atanh", lambda v: squash(v) * 0.9, bad=(1.0, ValueError)))
_add(_unary("log1p", lambda v: v * v - 0.5, bad=(-1.0, ValueError)))
_add(_unary("expm1", lambda v: squash(v) * 3.0))
_add(_unary("log2", positive, bad=(0.0, ValueError)))
_add(_unary("log10", positive, bad=(-2.0, ValueError)))
_add(_unary("exp2", lambda v: squash(v) * 3.0))
_add(_unary("erf", lambda v: squash(v) * 2.0))
_add(_unary("floor", lambda v: v * 3.0, smooth=False))
_add(_unary("ceil", lambda v: v * 3.0, smooth=False))
_add(_unary("trunc", lambda v: v * 3.0, smooth=False))
_add(
    _unary(
        "leaky_relu",
        torch_fn=lambda x: _F().leaky_relu(x, 0.01),
        smooth=False,
    )
)
_add(_unary("elu", lambda v: v * 2.0, torch_fn=lambda x: _F().elu(x), smooth=False))
_add(_unary("gelu", lambda v: v * 2.0, torch_fn=lambda x: _F().gelu(x)))
_add(_unary("softplus", lambda v: v * 2.0, torch_fn=lambda x: _F().softplus(x)))
# -- binary functions --
_add(
    OpCase(
        "atan2",
        2,
        lambda a, b: ag.atan2(a, b),
        lambda a, b: _torch().atan2(a, b),
        ((0.5, 1.5), (-2.0, 0.3), (1.1, -0.7)),
    )
)
_add(
    OpCase(
        "hypot",
        2,
        lambda a, b: ag.hypot(a, b),
        lambda a, b: _torch().hypot(a, b),
        ((0.5, 1.5), (-2.0, 0.3)),
    )
)
_add(
    OpCase(
        "maximum",
        2,
        lambda a, b: ag.maximum(a, b),
        lambda a, b: _torch().maximum(a, b),
        ((0.5, 1.5), (-2.0, -3.0)),
        smooth=False,
    )
)
_add(
    OpCase(
        "minimum",
        2,
        lambda a, b: ag.minimum(a, b),
        lambda a, b: _torch().minimum(a, b),
        ((0.5, 1.5), (-2.0, -3.0)),
        smooth=False,
    )
)
_add(
    OpCase(
        "logaddexp",
        2,
        lambda a, b: ag.logaddexp(a, b),
        lambda a, b: _torch().logaddexp(a, b),
        ((0.5, 1.5), (-2.0, 3.0), (40.0, -40.0)),
    )
)
# -- n-ary --
_add(
    OpCase(
        "sum",
        2,
        lambda a, b: ag.sum([a, b, a]),
        lambda a, b: a + b + a,
        ((0.5, 1.5), (-2.0, 3.0)),
    )
)
_add(
    OpCase(
        "dot",
        2,
        lambda a, b: ag.dot([a, b], [b, a], bias=a),
        lambda a, b: a * b + b * a + a,
        ((0.5, 1.5), (-2.0, 3.0)),
    )
)

#: The ops a random graph may use: everything smooth enough for finite differences.
SMOOTH = sorted(name for name, case in TABLE.items() if case.smooth)
ALL = sorted(TABLE)


def build(program: list[tuple[str, int, int]], leaves: list[Any], lib: str) -> Any:
    """A random expression over ``leaves``: operands come from the growing pool, so
    nodes are shared. ``lib`` is "ag" (Values) or "torch" (tensors)."""
    pool = list(leaves)
    for name, i, j in program:
        case = TABLE[name]
        call = case.ag_call if lib == "ag" else case.torch_call
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        pool.append(call(a) if case.arity == 1 else call(a, b))
    return pool[-1] + pool[len(pool) // 2] * 0.5


def finite(x: float) -> bool:
    return math.isfinite(x)
