"""How numbers and nodes read to a person: shared by drawings, steps and ``explain``.

Every tool that shows a graph names nodes the same way, so a node called
``x*w`` in a step is the node called ``x*w`` in ``explain`` and in the text
rendering of a drawing.

Example:
    >>> from autograd_lite import Value
    >>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    >>> node_name(x * w), node_name((x * w).tanh()), fmt(0.7615941559557649)
    ('x*w', 'tanh(…)', '0.7616')
"""

from __future__ import annotations

from typing import Any

from .value import Value

#: Ops written between their two operands (``x*w``); the rest read as calls.
INFIX = frozenset({"+", "-", "*", "/", "**"})


def fmt(x: Any) -> str:
    """A number short enough to read at a glance: ``2.0``, ``0.7616``, ``1e-07``.

    Short floats keep their exact repr; long ones get four significant
    digits. A Value (a gradient under ``create_graph=True``) shows its data.

    Example:
        >>> fmt(6.0), fmt(1 / 3), fmt(0.9999999999999998), fmt(Value(2.5)), fmt(-0.0)
        ('6.0', '0.3333', '1.0', '2.5', '0.0')
    """
    if isinstance(x, Value):
        x = x.data
    x = float(x) + 0.0  # -0.0 reads as 0.0
    text = repr(x)
    if len(text) <= 8:
        return text
    short = f"{x:.4g}"
    # Keep "1.0" looking like a float when rounding ate the decimals.
    return short if any(c in short for c in ".enN") else short + ".0"


#: Labels longer than this are cut in names, so one label cannot flood a line.
LABEL_LIMIT = 80


def _clip(label: str) -> str:
    return label if len(label) <= LABEL_LIMIT else label[: LABEL_LIMIT - 1] + "…"


def _short(v: Value, infix: bool = False) -> str:
    """An operand as it appears inside another node's name (an op node is just …)."""
    if v.label:
        return _clip(v.label)
    if v.is_constant:
        return fmt(v.data)
    if not v.inputs:
        return f"Value({fmt(v.data)})"
    return "(…)" if infix else "…"


def node_name(v: Value) -> str:
    """A node's name: its label, else its number (a constant), else its :func:`expression`.

    Example:
        >>> a = Value(1.0, label="a")
        >>> node_name(a), node_name(a + 2), node_name((a + 2).exp()), node_name(Value(4.0))
        ('a', 'a+2.0', 'exp(…)', 'Value(4.0)')
    """
    if v.label or not v.inputs:
        return _short(v)
    return expression(v)


def expression(v: Value) -> str:
    """The op over its operands' names, one level deep so it stays short on any graph.

    Example:
        >>> a = Value(1.0, label="a")
        >>> y = (a * a).tanh(); y.label = "y"
        >>> expression(y), expression(a * a)
        ('tanh(…)', 'a*a')
    """
    if v.op in INFIX and len(v.inputs) == 2:
        a, b = v.inputs
        return f"{_short(a, infix=True)}{v.op}{_short(b, infix=True)}"
    if len(v.inputs) > 3:
        return f"{v.op}({len(v.inputs)} inputs)"
    return f"{v.op}({', '.join(_short(inp) for inp in v.inputs)})"


def grad_ref(v: Value) -> str:
    """``x.grad`` for a labelled node, ``(x*w).grad`` for the others.

    Example:
        >>> a = Value(1.0, label="a")
        >>> grad_ref(a), grad_ref(a * a)
        ('a.grad', '(a*a).grad')
    """
    name = node_name(v)
    return f"{name}.grad" if v.label else f"({name}).grad"
