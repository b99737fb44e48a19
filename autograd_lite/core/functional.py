"""Gradients as functions, JAX style: ``grad``, ``value_and_grad``, ``hessian``.

``grad(f)`` returns a new function that computes ∂f/∂(argument). Because the
backward pass can record itself (``create_graph``), these transforms nest to
any order: ``grad(grad(grad(f)))`` is the third derivative.

Called with plain numbers at the top level, the returned function gives
plain floats. Inside another transform (or when given Values) it returns
Values, so that the outer transform can differentiate through it.

Example:
    >>> import autograd_lite as ag
    >>> f = lambda x: x ** 3
    >>> ag.grad(f)(2.0), ag.grad(ag.grad(f))(2.0)
    (12.0, 12.0)
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from typing import Any

from .backward import gradients
from .value import Value, to_float


class _Depth(threading.local):
    level = 0


_depth = _Depth()


def _lift(arg: Any, position: int) -> tuple[Any, list[Value], Callable[[list[Any]], Any]]:
    """Turn one argument into Values to differentiate with respect to.

    Returns the argument to pass to ``f``, its leaves, and a function that
    arranges a flat list of gradients (one per leaf) in the argument's shape.
    A number becomes a fresh leaf; a Value gets a fresh identity node (so an
    outer transform still sees through it); lists, tuples and numpy arrays
    are lifted element by element.
    """
    what = f"argument {position}"
    if isinstance(arg, Value):
        leaf = arg.identity()
        return leaf, [leaf], lambda gs: gs[0]
    if isinstance(arg, (list, tuple)):
        leaves = [x.identity() if isinstance(x, Value) else Value(to_float(x, what)) for x in arg]
        kind = type(arg)
        return kind(leaves), leaves, lambda gs: kind(gs)
    if hasattr(arg, "__array__") and getattr(arg, "shape", ()) != ():
        import numpy as np

        flat = list(np.asarray(arg, dtype=object).ravel())
        leaves = [x.identity() if isinstance(x, Value) else Value(to_float(x, what)) for x in flat]
        shape = np.shape(arg)

        def arrange(gs: list[Any]) -> Any:
            out = np.empty(len(gs), dtype=object)
            out[:] = gs
            return (
                out.reshape(shape)
                if not all(type(g) is float for g in gs)
                else (out.astype(float).reshape(shape))
            )

        boxed = np.empty(len(leaves), dtype=object)
        boxed[:] = leaves
        return boxed.reshape(shape), leaves, arrange
    leaf = Value(to_float(arg, what))
    return leaf, [leaf], lambda gs: gs[0]


def _argnums(argnums: int | Sequence[int]) -> tuple[tuple[int, ...], bool]:
    if isinstance(argnums, int):
        return (argnums,), True
    nums = tuple(argnums)
    if not nums or not all(isinstance(i, int) for i in nums):
        raise TypeError(f"argnums must be an int or a non-empty tuple of ints, got {argnums!r}")
    return nums, False


Arrange = Callable[[list[Any]], Any]


def _trace(
    f: Callable[..., Any], nums: tuple[int, ...], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Value, list[Value], list[tuple[int, int, Arrange]], bool]:
    """Evaluate ``f`` with ``args[nums]`` lifted to Values.

    Returns the output (a Value), the leaves in order, each argument's span
    of leaves with the function that arranges its gradients, and whether the
    call is nested (inside another transform, or given Values), in which case
    gradients must stay differentiable.
    """
    name = getattr(f, "__name__", "f")
    for i in nums:
        if not -len(args) <= i < len(args):
            raise IndexError(
                f"argnums {i} is out of range for {name}() "
                f"called with {len(args)} positional argument(s)"
            )
    nested = _depth.level > 0 or any(isinstance(a, Value) for a in args)
    call_args = list(args)
    leaves: list[Value] = []
    spans: list[tuple[int, int, Arrange]] = []
    for i in nums:
        lifted, arg_leaves, arrange = _lift(args[i], i)
        call_args[i] = lifted
        spans.append((len(leaves), len(leaves) + len(arg_leaves), arrange))
        leaves.extend(arg_leaves)
    _depth.level += 1
    try:
        out = f(*call_args, **kwargs)
    finally:
        _depth.level -= 1
    if not isinstance(out, Value):
        out = Value(to_float(out, f"the result of {name}()"))
    return out, leaves, spans, nested


def value_and_grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0
) -> Callable[..., tuple[Any, Any]]:
    """Make a function returning ``(f(*args), ∂f/∂args[argnums])``, value first as in JAX.

    Args:
        f: a function of scalars (or lists/arrays of scalars) returning a scalar Value.
        argnums: which positional argument(s) to differentiate; a tuple gives
            a tuple of gradients.

    Example:
        >>> import autograd_lite as ag
        >>> ag.value_and_grad(lambda x, y: x * y, argnums=(0, 1))(3.0, 4.0)
        (12.0, (4.0, 3.0))
    """
    nums, single = _argnums(argnums)

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        out, leaves, spans, nested = _trace(f, nums, args, kwargs)
        flat = gradients(out, leaves, create_graph=nested)
        grads = tuple(arrange(flat[start:stop]) for start, stop, arrange in spans)
        value = out if nested else out.data
        return value, grads[0] if single else grads

    return wrapped


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Make a function returning ∂f/∂args[argnums]; nest it for higher orders.

    Example:
        >>> import autograd_lite as ag
        >>> d3 = ag.grad(ag.grad(ag.grad(lambda x: x.sin())))
        >>> round(d3(0.0), 12)            # -cos(0)
        -1.0
    """
    with_value = value_and_grad(f, argnums)

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return with_value(*args, **kwargs)[1]

    return wrapped


def hessian(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Make a function returning the matrix of second derivatives ∂²f/∂xᵢ∂xⱼ.

    The variables are the scalars of ``args[argnums]``, flattened in order.
    A single scalar argument gives a float; otherwise a list of rows.

    Example:
        >>> import autograd_lite as ag
        >>> ag.hessian(lambda x, y: x * x * y, argnums=(0, 1))(3.0, 2.0)
        [[4.0, 6.0], [6.0, 0.0]]
    """
    nums, single = _argnums(argnums)

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        out, leaves, _, nested = _trace(f, nums, args, kwargs)
        # First derivatives stay differentiable; each one is differentiated again.
        first = gradients(out, leaves, create_graph=True)
        rows = [
            gradients(g, leaves, create_graph=nested)
            if isinstance(g, Value)
            else [0.0] * len(leaves)
            for g in first
        ]
        if not nested:
            rows = [[float(h) for h in row] for row in rows]
        arg = args[nums[0]]
        scalar = single and not isinstance(arg, (list, tuple)) and getattr(arg, "shape", ()) == ()
        return rows[0][0] if scalar else rows

    return wrapped
