"""Arguments: split a call's arguments into a structure key and a flat list of floats.

A compiled function is traced once per *structure*: the nesting of lists,
tuples, dicts and arrays, their lengths and shapes, and the values of
everything that is not a float. Floats (Python floats, numpy floating
scalars and arrays, and the ``.data`` of Values) are what changes from call
to call; they become the trace's inputs. Ints, bools and integer arrays are
part of the structure (they usually index or count, so the trace
specialises on them, as ``torch.compile`` does).

Example:
    >>> key, floats, values = flatten(([1.5, 2.5], 3), {})
    >>> floats
    [1.5, 2.5]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core.value import Value

FLOAT = "f"
_FLOATS = frozenset({float})
VALUE = "v"


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
        return ("ndi", x.shape, x.dtype.str, x.tobytes())
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


def substitute(
    args: tuple[Any, ...], kwargs: dict[str, Any], make: Callable[[int], Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The arguments with the i-th traced float (or Value) replaced by ``make(i)``.

    Walks in the same order as :func:`flatten`, so positions agree.
    """
    counter = [0]

    def leaf() -> Any:
        i = counter[0]
        counter[0] += 1
        return make(i)

    def walk(x: Any) -> Any:
        kind = type(x)
        if kind is float or isinstance(x, Value):
            return leaf()
        if kind is int or kind is bool or kind is str or x is None:
            return x
        if kind is list or kind is tuple:
            items = [walk(item) for item in x]
            return items if kind is list else tuple(items)
        if kind is dict:
            return {k: walk(x[k]) for k in sorted(x)}
        if _is_ndarray(x):
            if x.dtype.kind in "fO":
                import numpy as np

                out = np.empty(x.shape, dtype=object)
                flat = out.reshape(-1)
                for i, item in enumerate(x.ravel().tolist()):
                    flat[i] = walk(item) if x.dtype.kind == "O" else leaf()
                return out
            return x
        if isinstance(x, float) or (
            hasattr(x, "dtype") and getattr(x, "shape", None) == () and x.dtype.kind == "f"
        ):
            return leaf()
        return x

    new_args = tuple(walk(a) for a in args)
    new_kwargs = {k: walk(kwargs[k]) for k in sorted(kwargs)}
    return new_args, new_kwargs
