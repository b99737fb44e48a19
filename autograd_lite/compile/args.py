"""Arguments: split a call's arguments into a structure key and a flat list of numbers.

A compiled function is traced once per *structure*: the nesting of lists,
tuples, dicts and arrays, their lengths and shapes, and the values of
everything that is not a number (strings, bools, None, other objects).
Numbers are what changes from call to call; they become the trace's inputs:

* floats (Python floats, numpy floating scalars and arrays, the ``.data``
  of Values) are always data;
* ints (Python ints, numpy integer scalars and arrays) are data too while
  the function only uses them arithmetically with Values (``y * score``):
  the trace reads them at every call. An int the function uses as an
  index, a count, in a comparison or in plain int arithmetic
  (``logits[t]``, ``range(n)``, ``if t == 1``, ``2 * t - 1``) is structure:
  the trace records that use, and later calls are traced once per value of
  that int (see :mod:`.trace`), as ``torch.compile`` specialises on ints.

Bools stay structure (their values are part of the key), and so do ints
beyond 2**53, which a float cannot hold exactly.

Example:
    >>> key, floats, values = flatten(([1.5, 2.5], 3), {})
    >>> floats, key[0]
    ([1.5, 2.5, 3.0], ('tuple', (('list', 2), 'i')))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core.value import Value

FLOAT = "f"
INT = "i"
_FLOATS = frozenset({float})
VALUE = "v"
#: Ints up to this size are exact as floats: they can be data.
EXACT_INT = 2**53


def _is_ndarray(x: object) -> bool:
    return type(x).__name__ == "ndarray" and hasattr(x, "dtype")


def flatten(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, list[float], list[tuple[int, Value]]]:
    """``(key, floats, values)``: the structure, the traced floats, and which were Values.

    ``values`` lists ``(position in floats, the Value)`` for arguments that
    were Values: their gradients are added by ``backward()``, as eagerly.
    """
    floats: list[float] = []
    values: list[tuple[int, Value]] = []
    key = (
        _walk(args, floats, values),
        tuple(sorted((k, _walk(v, floats, values)) for k, v in kwargs.items())),
    )
    return key, floats, values


def _walk(x: Any, floats: list[float], values: list[tuple[int, Value]]) -> Any:
    kind = type(x)
    if kind is float:
        floats.append(x)
        return FLOAT
    if kind is int and -EXACT_INT <= x <= EXACT_INT:
        floats.append(float(x))
        return INT
    if kind is int or kind is bool or kind is str or x is None:
        return (kind.__name__, x)
    if isinstance(x, Value):
        values.append((len(floats), x))
        floats.append(Value.__dict__["data"].__get__(x))
        return VALUE
    if kind is list or kind is tuple:
        if x and set(map(type, x)) <= _FLOATS:  # the common case, checked in C
            floats.extend(x)
            return (kind.__name__, len(x))
        return (kind.__name__, tuple(_walk(item, floats, values) for item in x))
    if kind is dict:
        return ("dict", tuple((k, _walk(x[k], floats, values)) for k in sorted(x)))
    if _is_ndarray(x):
        if x.dtype.kind == "f":
            floats.extend(x.ravel().tolist())
            return ("nd", x.shape)
        if x.dtype.kind == "O":
            return (
                "ndo",
                x.shape,
                tuple(_walk(item, floats, values) for item in x.ravel().tolist()),
            )
        if x.dtype.kind in "iu" and (x.size == 0 or abs(x).max() <= EXACT_INT):
            floats.extend(x.ravel().astype(float).tolist())
            return ("ndi", x.shape, x.dtype.str)
        return ("ndb", x.shape, x.dtype.str, x.tobytes())
    if _is_int_scalar(x) and -EXACT_INT <= x <= EXACT_INT:
        floats.append(float(x))
        return INT
    if isinstance(x, float) or (
        hasattr(x, "dtype") and getattr(x, "shape", None) == () and x.dtype.kind == "f"
    ):
        floats.append(float(x))
        return FLOAT
    try:
        hash(x)
    except TypeError:
        return ("id", id(x))
    return ("static", kind, x)


def _is_int_scalar(x: object) -> bool:
    """A numpy integer scalar (``np.int64(3)``)."""
    dtype = getattr(x, "dtype", None)
    return getattr(x, "shape", None) == () and getattr(dtype, "kind", "") in "iu"


def substitute(
    args: tuple[Any, ...], kwargs: dict[str, Any], make: Callable[[int, bool], Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The arguments with the i-th traced number replaced by ``make(i, is_int)``.

    Walks in the same order as :func:`flatten`, so positions agree.
    """
    counter = [0]

    def leaf(is_int: bool = False) -> Any:
        i = counter[0]
        counter[0] += 1
        return make(i, is_int)

    def walk(x: Any) -> Any:
        kind = type(x)
        if kind is float or isinstance(x, Value):
            return leaf()
        if kind is int and -EXACT_INT <= x <= EXACT_INT:
            return leaf(True)
        if kind is int or kind is bool or kind is str or x is None:
            return x
        if kind is list or kind is tuple:
            items = [walk(item) for item in x]
            return items if kind is list else tuple(items)
        if kind is dict:
            return {k: walk(x[k]) for k in sorted(x)}
        if _is_ndarray(x):
            ints = x.dtype.kind in "iu" and (x.size == 0 or abs(x).max() <= EXACT_INT)
            if x.dtype.kind in "fO" or ints:
                import numpy as np

                out = np.empty(x.shape, dtype=object)
                flat = out.reshape(-1)
                for i, item in enumerate(x.ravel().tolist()):
                    flat[i] = walk(item) if x.dtype.kind == "O" else leaf(ints)
                return out
            return x
        if _is_int_scalar(x) and -EXACT_INT <= x <= EXACT_INT:
            return leaf(True)
        if isinstance(x, float) or (
            hasattr(x, "dtype") and getattr(x, "shape", None) == () and x.dtype.kind == "f"
        ):
            return leaf()
        return x

    new_args = tuple(walk(a) for a in args)
    new_kwargs = {k: walk(kwargs[k]) for k in sorted(kwargs)}
    return new_args, new_kwargs
