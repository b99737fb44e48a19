"""explain(y, x): ∂y/∂x written out as the chain rule builds it, path by path.

Example:
    >>> import autograd_lite as ag
    >>> x = ag.Value(3.0, label="x")
    >>> ag.explain(x * x, x).total
    6.0
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

from ..core import Value, chain_rule
from ..core.display import fmt, node_name
from ..core.graph import topological_order

# --- explain: the chain rule, path by path ---------------------------------


@dataclass(frozen=True, repr=False)
class GradientPath:
    """One path from the output back to the input, and its term of the chain rule.

    Attributes:
        edges: ``(node, position)`` pairs from the output down: the path goes
            from ``node`` to ``node.inputs[position]``.
        factors: the local derivative on each edge, ∂node/∂node.inputs[position].
        product: the product of the factors (the seed ∂y/∂y = 1 included):
            this path's share of ∂y/∂x.

    Example:
        >>> import autograd_lite as ag
        >>> x = ag.Value(2.0, label="x")
        >>> path = ag.explain(x * 3, x).paths[0]
        >>> path.factors, path.product
        ((3.0,), 3.0)
    """

    edges: tuple[tuple[Value, int], ...]
    factors: tuple[float, ...]
    product: float

    @property
    def nodes(self) -> tuple[Value, ...]:
        """The nodes along the path, output first, input last.

        Example:
            >>> import autograd_lite as ag
            >>> x = ag.Value(2.0, label="x"); y = (x * 3).exp(); y.label = "y"
            >>> [n.label or n.op for n in ag.explain(y, x).paths[0].nodes]
            ['y', '*', 'x']
        """
        if not self.edges:
            return ()
        last, position = self.edges[-1]
        return (*(node for node, _ in self.edges), last.inputs[position])

    def describe(self) -> str:
        """The path and its product as one line: ``y ← x*w ← x: 1 × 1.0 × 3.0 = 3.0``.

        Example:
            >>> import autograd_lite as ag
            >>> x = ag.Value(2.0, label="x")
            >>> ag.explain(x * 3, x).paths[0].describe()
            'x*3.0 ← x: 1 × 3.0 = 3.0'
        """
        return f"{self._route()}: {self._product_text()}"

    def _route(self) -> str:
        if not self.edges:
            return "(the output itself)"
        parts = [node_name(self.edges[0][0])]
        for node, position in self.edges:
            target = node.inputs[position]
            # x*x uses x twice: say which operand this path goes through.
            arrow = " ← " if node.inputs.count(target) == 1 else f" ←(operand {position + 1}) "
            parts.append(arrow + node_name(target))
        return "".join(_elide(parts, keep=4, what="nodes"))

    def _product_text(self) -> str:
        factors = ["1", *(fmt(d) for d in self.factors)]
        return " × ".join(_elide(factors, keep=4, what="factors")) + f" = {fmt(self.product)}"


def _elide(items: list[str], keep: int, what: str) -> list[str]:
    """The first and last ``keep`` items, with a count of those left out between."""
    if len(items) <= 2 * keep + 1:
        return items
    hidden = len(items) - 2 * keep
    return [*items[:keep], f" … {hidden:,} more {what} … ", *items[-keep:]]


@dataclass(frozen=True, repr=False)
class Explanation:
    """∂y/∂x written out as the chain rule computes it; returned by :func:`explain`.

    Attributes:
        output, wrt: y and x.
        paths: the first ``max_paths`` paths from y back to x (operand order).
        path_count: how many paths there are in all.
        total: the sum of every path's product (all paths, shown or not).
        gradient: the gradient to compare with: ``x.grad`` if backward() ran
            on y, otherwise computed now by a pass of its own (``.grad`` untouched, no hooks run).
        source: ``"backward"`` or ``"computed"``, saying which.
        matches: whether ``total`` equals ``gradient`` (to rounding).

    Example:
        >>> import autograd_lite as ag
        >>> x = ag.Value(3.0, label="x")
        >>> e = ag.explain(x * x, x)
        >>> e.path_count, e.total, e.source, e.matches
        (2, 6.0, 'computed', True)
    """

    output: Value
    wrt: Value
    paths: tuple[GradientPath, ...]
    path_count: int
    total: float
    gradient: float
    source: str
    matches: bool

    def _title(self) -> str:
        return f"∂{node_name(self.output)}/∂{node_name(self.wrt)}"

    def _rest(self) -> tuple[int, float]:
        """How many paths are not listed, and what they add up to."""
        shown = _total(p.product for p in self.paths)
        return self.path_count - len(self.paths), self.total - shown

    def _verdict(self) -> str:
        x = node_name(self.wrt)
        if self.source == "backward":
            if self.matches:
                return f"{x}.grad = {fmt(self.gradient)} ✓ (filled by backward())"
            return (
                f"{x}.grad = {fmt(self.gradient)} ✗ differs from the sum: .grad adds up every"
                f" backward() call (and other outputs, and hooks' changes); run zero_grad()"
                f" and backward() once to compare"
            )
        mark = "✓" if self.matches else "✗ differs from the sum"
        return (
            f"backward() has not run on {node_name(self.output)}, so the gradient was"
            f" computed now (.grad untouched): {fmt(self.gradient)} {mark}"
        )

    def __str__(self) -> str:
        if not self.path_count:
            return (
                f"{self._title()} = 0: {node_name(self.wrt)} is not in the graph of"
                f" {node_name(self.output)}, so no path carries a gradient back to it"
            )
        lines = [
            f"{self._title()} by the chain rule: one product of local derivatives"
            f" per path from {node_name(self.output)} back to {node_name(self.wrt)}, summed"
        ]
        lines += [f"  {i}. {p.describe()}" for i, p in enumerate(self.paths, 1)]
        hidden, rest = self._rest()
        if hidden:
            lines.append(f"  … and {_paths(hidden, 'more ')} contributing {fmt(rest)}")
        lines.append(f"sum over {_paths(self.path_count)} = {fmt(self.total)}")
        lines.append(self._verdict())
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Explanation {self._title()} = {fmt(self.total)} over {self.path_count:,} paths>"

    def _repr_markdown_(self) -> str:
        if not self.path_count:
            return _md(str(self))
        rows = [
            f"**{_md(self._title())}** by the chain rule: one product of local derivatives"
            f" per path, summed",
            "",
            "| # | path | local derivatives | product |",
            "|---|---|---|---|",
        ]
        for i, p in enumerate(self.paths, 1):
            factors = p._product_text().rsplit(" = ", 1)[0]
            rows.append(f"| {i} | {_md(p._route())} | {_md(factors)} | {fmt(p.product)} |")
        hidden, rest = self._rest()
        if hidden:
            rows.append(f"| | … and {_paths(hidden, 'more ')} | | {fmt(rest)} |")
        rows.append(f"| | **sum over {_paths(self.path_count)}** | | **{fmt(self.total)}** |")
        return "\n".join([*rows, "", _md(self._verdict())])


def _paths(n: int, more: str = "") -> str:
    """``1 path``, ``3 more paths``."""
    return f"{n:,} {more}path" + ("" if n == 1 else "s")


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell (no HTML, no stray emphasis)."""
    text = html.escape(text, quote=False)
    for ch in "\\|*_`[]":
        text = text.replace(ch, "\\" + ch)
    return text


def explain(y: Value, x: Value, max_paths: int = 10) -> Explanation:
    """∂y/∂x as the chain rule builds it: a product of local derivatives per path, summed.

    Every path from ``y`` back to ``x`` contributes the product of the local
    derivatives on its edges; ∂y/∂x is their sum, which is what
    ``backward()`` leaves in ``x.grad``. The sum over all paths is computed
    by dynamic programming over the graph, so graphs with exponentially many
    paths are fine; only the first ``max_paths`` are listed.

    If ``backward()`` has run on ``y`` (``y.grad`` is not 0), the sum is
    compared with ``x.grad``; otherwise the gradient is computed now with
    a backward pass of its own that leaves every ``.grad`` untouched and runs no
    user hook. Either way the result
    says which.

    Args:
        y: the output.
        x: any node of y's graph (a leaf or an intermediate).
        max_paths: how many paths to list.

    Returns:
        An :class:`Explanation`; print it, or show it in Jupyter (Markdown).

    Example:
        >>> import autograd_lite as ag
        >>> x = ag.Value(2.0, label="x")
        >>> y = x * x; y.label = "y"
        >>> print(ag.explain(y, x))
        ∂y/∂x by the chain rule: one product of local derivatives per path from y back to x, summed
          1. y ←(operand 1) x: 1 × 2.0 = 2.0
          2. y ←(operand 2) x: 1 × 2.0 = 2.0
        sum over 2 paths = 4.0
        backward() has not run on y, so the gradient was computed now (.grad untouched): 4.0 ✓
    """
    if not isinstance(y, Value) or not isinstance(x, Value):
        raise TypeError(
            f"explain(y, x) needs two Values, got {type(y).__name__} and {type(x).__name__}"
        )
    if max_paths < 0:
        raise ValueError(f"explain() needs max_paths >= 0, got {max_paths}")
    count, value = _count_paths(y, x)
    paths = _first_paths(y, x, count, max_paths)
    if _grad(y) != 0.0:
        reference, source = _grad(x), "backward"
    else:
        reference, source = _computed(y, x), "computed"
    matches = math.isclose(value, reference, rel_tol=1e-9, abs_tol=1e-12) or (
        math.isnan(value) and math.isnan(reference)
    )
    return Explanation(y, x, paths, count.get(y, 0), value, reference, source, matches)


def _grad(v: Value) -> float:
    """``v.grad`` as a float: None means no gradient yet (0), as in backward()."""
    return 0.0 if v.grad is None else float(v.grad)


def _path_product(factors: tuple[float, ...]) -> float:
    """The product from y down to x as backward() forms it: a zero factor passes exactly 0
    when what comes down to it is inf or NaN (0 × inf = NaN only below a finite value)."""
    running = 1.0
    for d in factors:
        running = d * running if running - running == 0.0 or d != 0.0 else 0.0
    return running


def _computed(y: Value, x: Value) -> float:
    """∂y/∂x by a backward pass of its own: no ``.grad`` touched, no user hook run."""
    for update in chain_rule(y, hooks=False):
        if update.node is x:
            return float(update.grad)
    return 0.0


def _total(terms: Any) -> float:
    """An exact sum of finite terms; IEEE arithmetic once an inf or NaN is among them."""
    terms = list(terms)
    if all(math.isfinite(t) for t in terms):
        try:
            return math.fsum(terms)
        except OverflowError:
            pass
    return sum(terms, 0.0)


def _count_paths(y: Value, x: Value) -> tuple[dict[Value, int], float]:
    """For each node that reaches x its number of paths to x; and the sum of all their products.

    The counts come from one sweep in topological order (inputs first): a
    node's paths are its inputs' paths, each extended by one edge. The sum
    comes from one sweep the other way, from y back to x, as ``backward()``
    adds it up: each edge passes local × upstream, and exactly 0 where the
    local derivative is 0 (an inf beyond it does not make a NaN).
    """
    order = topological_order(y)
    count: dict[Value, int] = {}
    for node in order:
        if node is x:
            count[node] = 1
            continue
        n = sum(count.get(inp, 0) for inp in node.inputs)
        if n:
            count[node] = n
    if x not in count:
        return count, 0.0
    upstream: dict[Value, float] = {y: 1.0}
    for node in reversed(order):
        g = upstream.get(node)
        if g is None or node is x:
            continue
        finite = g - g == 0.0
        for inp, local in zip(node.inputs, node.local_grads):
            if inp in count:
                c = local * g if finite or local != 0.0 else 0.0
                upstream[inp] = upstream.get(inp, 0.0) + c
    return count, upstream.get(x, 0.0)


def _first_paths(
    y: Value, x: Value, count: dict[Value, int], limit: int
) -> tuple[GradientPath, ...]:
    """The first ``limit`` paths from y to x, depth first in operand order, with a stack.

    Only edges into nodes that reach x are followed, so every step of the
    walk leads to a path: listing k paths costs k × (path length), however
    many paths the graph has.
    """
    if x not in count or limit == 0:
        return ()
    if y is x:
        return (GradientPath((), (), 1.0),)
    found: list[GradientPath] = []
    edges: list[tuple[Value, int]] = []
    stack: list[list[Any]] = [[y, 0]]  # [node, next input position to try]
    while stack and len(found) < limit:
        frame = stack[-1]
        node, position = frame
        inputs = node.inputs
        while position < len(inputs) and inputs[position] not in count:
            position += 1
        if position == len(inputs):
            stack.pop()
            if edges:
                edges.pop()
            continue
        frame[1] = position + 1
        edges.append((node, position))
        target = inputs[position]
        if target is x:
            factors = tuple(n.local_grads[i] for n, i in edges)
            found.append(GradientPath(tuple(edges), factors, _path_product(factors)))
            edges.pop()
        else:
            stack.append([target, 0])
    return tuple(found)
