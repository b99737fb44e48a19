"""Nested inputs for the layers: nested lists (or arrays) of numbers or Values, and their shape.

A convolution takes an image ``image[c][i][j]``, a recurrent layer a
sequence ``xs[t][i]``. Both accept nested lists, tuples or numpy arrays of
floats or Values; this module turns any of those into nested lists and
says what shape they have, or raises an error naming the layer, the shape it
expected and the shape it got.

Example:
    >>> from autograd_lite.nn.shapes import nested
    >>> nested([[1.0, 2.0], [3.0, 4.0]], 2, "Demo", "(2, 2)")
    ([[1.0, 2.0], [3.0, 4.0]], (2, 2))
"""

from __future__ import annotations

from numbers import Real
from typing import Any

from ..core import Constant, Value


def _is_array(x: object) -> bool:
    return hasattr(x, "ndim") and hasattr(x, "tolist") and not isinstance(x, Value)


def shape_of(x: Any, who: str, expected: str, limit: int = 8) -> tuple[Any, tuple[int, ...]]:
    """``x`` as nested lists and its shape (rectangular); scalars are numbers or Values.

    Args:
        x: a number, a Value, or nested lists / tuples / arrays of them.
        who: the layer, for error messages.
        expected: the shape the layer wants, for error messages.
        limit: the deepest nesting looked at.

    Raises:
        ValueError: ragged nesting (sub-lists of different lengths or depths),
            or nesting deeper than ``limit``.
        TypeError: a leaf that is neither a number nor a Value.

    Example:
        >>> shape_of([[1, 2, 3]], "Demo", "(1, 3)")
        ([[1, 2, 3]], (1, 3))
    """
    if _is_array(x):
        x = x.tolist()
    if isinstance(x, (Value, Real)):
        return x, ()
    if isinstance(x, (str, bytes)) or not isinstance(x, (list, tuple)):
        raise TypeError(f"{who} needs numbers or Values, got {type(x).__name__} {x!r}")
    if limit == 0:
        raise ValueError(f"{who} expects an input of shape {expected}, got deeper nesting")
    items = [shape_of(item, who, expected, limit - 1) for item in x]
    shapes = {shape for _, shape in items}
    if len(shapes) > 1:
        a, b = sorted(shapes, key=lambda s: (len(s), s))[:2]
        raise ValueError(
            f"{who} expects an input of shape {expected}, got ragged nested lists: "
            f"some entries have shape {a}, others {b}"
        )
    inner = shapes.pop() if shapes else ()
    return [value for value, _ in items], (len(items), *inner)


def nested(x: Any, ndim: int, who: str, expected: str) -> tuple[Any, tuple[int, ...]]:
    """``x`` as nested lists ``ndim`` deep, and its shape; anything else is a ValueError.

    Example:
        >>> nested([1.0, 2.0], 2, "RNN(1 -> 3)", "(T, 1)")
        Traceback (most recent call last):
        ...
        ValueError: RNN(1 -> 3) expects an input of shape (T, 1), got shape (2,)
    """
    value, shape = shape_of(x, who, expected, limit=ndim + 1)
    if len(shape) != ndim:
        raise ValueError(f"{who} expects an input of shape {expected}, got shape {shape}")
    return value, shape


def as_value(v: Any) -> Value:
    """A Value as it is; a plain number as a constant, as ``ag.dot`` would wrap it.

    Layers wrap an input's numbers once per call, so a pixel shared by many
    receptive fields is one constant, not one per field.

    Example:
        >>> as_value(2).is_constant, as_value(2).data
        (True, 2.0)
    """
    return v if isinstance(v, Value) else Constant(float(v))
