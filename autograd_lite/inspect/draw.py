"""Pictures of graphs: ``draw_graph`` returns a Graphviz drawing (``draw_model``, in
:mod:`.architecture`, draws a network's layers with the same machinery).

A drawing is a ``graphviz.Digraph``: it shows as SVG in Jupyter, and
``.render()``, ``.pipe()`` and ``.source`` work as usual. Computing the
picture needs Graphviz's ``dot`` program; without it, Jupyter shows a text
rendering of the same graph with a one-line install hint instead of an error,
``.source`` still gives the DOT text, and ``repr()`` is the text rendering.

The ``graphviz`` package is imported only when something is drawn, so
``import autograd_lite`` stays light.

Example:
    >>> import autograd_lite as ag
    >>> x = ag.Value(2.0, label="x"); w = ag.Value(-3.0, label="w")
    >>> y = (x * w).tanh(); y.label = "y"
    >>> y.backward()
    >>> g = ag.draw_graph(y)
    >>> "tanh" in g.source and "data 2.0" in g.source
    True
"""

from __future__ import annotations

import functools
import html
import itertools
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..core import Value
from ..core.display import fmt

if TYPE_CHECKING:
    import graphviz

#: Shown instead of a picture when Graphviz's ``dot`` program is missing.
INSTALL_HINT = (
    "Graphviz's `dot` program is not installed, so this is a text rendering; to see a "
    "picture install it (apt install graphviz / brew install graphviz / conda install "
    "graphviz, or https://graphviz.org/download/)."
)

#: Fill colours by kind of node. The output, the inputs and the parameters
#: stand out; intermediate results stay white so the eye follows the flow.
COLORS = {
    "output": "#b2f2bb",  # green
    "leaf": "#a5d8ff",  # blue: an input (an unlabelled or labelled leaf Value)
    "parameter": "#d0bfff",  # violet: a leaf listed in params=
    "intermediate": "#ffffff",
    "constant": "#e9ecef",  # grey: a plain number such as the 2 in x * 2
    "op": "#f1f3f5",
    "highlight": "#ffec99",  # yellow, with a red border
    "border": "#e03131",
    "more": "#f8f9fa",
}

#: Past this many undrawn nodes, drawings say "N+ more" instead of counting on.
COUNT_LIMIT = 100_000

#: The smallest text a drawing shows in a notebook, in CSS pixels: a picture
#: wider than its output area shrinks to fit only down to this, then scrolls.
MIN_TEXT_PX = 9.0

#: Graphviz sizes are in points; a browser draws 1 pt as 4/3 px.
PX_PER_PT = 4 / 3

RANKDIRS = ("LR", "RL", "TB", "BT")

#: ``rankdir="auto"`` keeps left to right while the picture fits this many
#: points (1,000 px at the smallest readable scale), else takes the
#: narrower of left to right and top down.
FIT_WIDTH_PT = 1000.0


# --- the Digraph that degrades to text -------------------------------------


@functools.cache
def _drawing_class() -> type[graphviz.Digraph]:
    """``graphviz.Digraph`` plus a text fallback; built on first use (lazy import)."""
    import graphviz

    class Drawing(graphviz.Digraph):
        """A ``graphviz.Digraph`` that fits a notebook, and shows as text when ``dot`` is missing.

        ``text`` holds the text rendering; it is also the ``repr``.
        ``neato_no_op`` is 2 for a drawing whose positions are fixed
        (the stepper's frames), rendered by ``neato -n2``.
        """

        text = ""
        neato_no_op: int | None = None

        def _repr_mimebundle_(
            self,
            include: Iterable[str] | None = None,
            exclude: Iterable[str] | None = None,
            **kwargs: Any,
        ) -> dict[str, Any]:
            try:
                svg = self.pipe(format="svg", encoding="utf-8", neato_no_op=self.neato_no_op)
            except graphviz.ExecutableNotFound:
                bundle = fallback_bundle(self.text, INSTALL_HINT)
            except (graphviz.CalledProcessError, OSError) as err:
                bundle = fallback_bundle(self.text, f"Graphviz's `dot` failed ({err}).")
            else:
                # Front ends prefer the HTML: the picture at a readable size,
                # scrolling inside its own box when it is wider than the page.
                bundle = {"image/svg+xml": svg, "text/html": fit_svg(svg)}
                if self.text:
                    bundle["text/plain"] = self.text
            if include is not None:
                bundle = {k: v for k, v in bundle.items() if k in set(include)}
            if exclude is not None:
                bundle = {k: v for k, v in bundle.items() if k not in set(exclude)}
            return bundle

        def __repr__(self) -> str:
            return self.text or super().__repr__()

    Drawing.__module__ = __name__
    Drawing.__qualname__ = "Drawing"
    return Drawing


def fallback_bundle(text: str, note: str) -> dict[str, str]:
    """What Jupyter shows instead of a picture: the text rendering and a one-line note.

    Example:
        >>> sorted(fallback_bundle("a -> b", "no dot"))
        ['text/html', 'text/plain']
    """
    return {
        "text/plain": f"{text}\n{note}",
        "text/html": f"<pre>{html.escape(text)}</pre>\n<p><em>{html.escape(note)}</em></p>",
    }


_SVG_SIZE = re.compile(r'<svg\b[^>]*?\swidth="([\d.]+)pt"\s+height="([\d.]+)pt"')
_FONT_SIZE = re.compile(r'font-size="([\d.]+)"')


def smallest_font(svg: str) -> float:
    """The smallest font size in a Graphviz SVG, in its own units (points); 14 if none.

    Example:
        >>> smallest_font('<text font-size="11.00">a</text><text font-size="9.00">b</text>')
        9.0
    """
    return min((float(f) for f in _FONT_SIZE.findall(svg)), default=14.0)


def fit_svg(svg: str, min_text_px: float = MIN_TEXT_PX, font_pt: float | None = None) -> str:
    """Graphviz SVG as HTML that fits its container and stays readable.

    The picture takes the container's width, but never more than its natural
    size and never so little that its smallest text drops below
    ``min_text_px``; past that the box scrolls (``overflow: auto``), so
    every part stays reachable and the page itself never grows sideways.
    ``font_pt`` overrides the smallest font size found in ``svg``
    (pictures shown in turn pass the same one, so they scale alike).

    Example:
        >>> svg = ('<svg width="1500pt" height="80pt" viewBox="0 0 1500 80">'
        ...        '<text font-size="9.00">a</text></svg>')
        >>> print(fit_svg(svg))  # doctest: +NORMALIZE_WHITESPACE
        <div class="ag-graph" style="max-width: 100%; overflow: auto"><svg
        style="display: block; width: 100%; height: auto; min-width: 1500px; max-width: 2000px"
        viewBox="0 0 1500 80"><text font-size="9.00">a</text></svg></div>
    """
    start = svg.find("<svg")
    if start < 0:
        raise ValueError(f"fit_svg() needs Graphviz SVG, got {svg[:60]!r}")
    svg = svg[start:].rstrip()
    size = _SVG_SIZE.match(svg)
    if size is None:
        return f'<div class="ag-graph" style="max-width: 100%; overflow: auto">{svg}</div>'
    width_px = float(size.group(1)) * PX_PER_PT
    if font_pt is None:
        font_pt = smallest_font(svg)
    # Text of font size f (in the drawing's points) shows at f * scale px,
    # where scale = shown width / width in points.
    min_scale = min_text_px / font_pt
    min_width = min(width_px, float(size.group(1)) * min_scale)
    style = (
        f"display: block; width: 100%; height: auto; min-width: {min_width:.0f}px; "
        f"max-width: {width_px:.0f}px"
    )
    head = svg[: size.start(1) - len(' width="')] + f' style="{style}"'
    svg = head + svg[size.end() :]
    return f'<div class="ag-graph" style="max-width: 100%; overflow: auto">{svg}</div>'


def _new_drawing(rankdir: str) -> graphviz.Digraph:
    return _drawing_class()(
        graph_attr={"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "12"},
        node_attr={"fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"fontname": "Helvetica", "fontsize": "10", "arrowsize": "0.7"},
    )


#: Longer labels are cut to this many characters (and "…"), so one label
#: cannot make a picture (or its text) unbounded.
MAX_LABEL = 80


def _printable(text: str) -> str:
    """Control characters (a NUL, a newline) as their escapes, so ``dot`` takes the text;
    cut to :data:`MAX_LABEL` characters."""
    if len(text) > MAX_LABEL:
        text = text[: MAX_LABEL - 1] + "…"
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _escape(text: str) -> str:
    """Text for an ordinary Graphviz label: backslashes and <…> taken literally."""
    import graphviz

    return graphviz.escape(_printable(text))


def _record_escape(text: str) -> str:
    """Text for one field of a record label (where { } | < > are syntax)."""
    text = _printable(text)
    for ch in '\\{}|<>"':
        text = text.replace(ch, "\\" + ch)
    return text


def number(x: Any) -> str:
    """A number as drawings show it: :func:`~autograd_lite.core.display.fmt`, never ``-0.0``.

    Example:
        >>> number(-0.0), number(-2.5)
        ('0.0', '-2.5')
    """
    text = fmt(x)
    return "0.0" if text == "-0.0" else text


# --- checking the arguments ------------------------------------------------


def _check_rankdir(rankdir: object, who: str, auto: bool = False) -> str:
    if not isinstance(rankdir, str):
        got = f"{type(rankdir).__name__} {rankdir!r}"
        raise TypeError(f"{who}: rankdir must be a string, got {got}")
    if rankdir not in RANKDIRS and not (auto and rankdir == "auto"):
        choices = "'auto', 'LR', 'RL', 'TB' or 'BT'" if auto else "'LR', 'RL', 'TB' or 'BT'"
        raise ValueError(f"{who}: rankdir must be {choices}, got {rankdir!r}")
    return rankdir


def _width_pt(layout: Layout) -> float:
    return float(layout["bb"].split(",")[2])


def _fitting(draw: Callable[[str], graphviz.Digraph]) -> tuple[graphviz.Digraph, Layout | None]:
    """The drawing ``draw(rankdir)`` that fits a notebook best, and its layout.

    Left to right when that fits :data:`FIT_WIDTH_PT`, else whichever of left
    to right and top down is narrower. Without ``dot`` there is nothing to
    measure: left to right, and no layout.
    """
    import graphviz

    across = draw("LR")
    try:
        wide = layout_of(across.source)
        if _width_pt(wide) <= FIT_WIDTH_PT:
            return across, wide
        down = draw("TB")
        tall = layout_of(down.source)
    except (graphviz.ExecutableNotFound, graphviz.CalledProcessError, OSError):
        return across, None
    return (down, tall) if _width_pt(tall) < _width_pt(wide) else (across, wide)


def _estimated_rankdir(
    drawn: list[Value], max_inputs: int, fields: Callable[[Value], list[str]]
) -> str:
    """Say "LR" if the drawing fits :data:`FIT_WIDTH_PT` left to right, else the narrower way.

    An estimate from the graph's shape, so that no ``dot`` run is needed.
    ``dot`` puts an op one rank past the highest of its inputs and its Value
    one past the op, and a leaf just before its first consumer. Left to right
    the picture is as wide as the sum of each rank's widest node; top down,
    as its widest rank. Sizes use Helvetica's average character width at the
    drawing's font sizes.
    """
    drawn_set = set(drawn)
    rank: dict[Value, int] = {}
    # Inputs before their consumers (a breadth-first order does not ensure
    # that in a DAG): settle a node once its drawn inputs are settled.
    for start in reversed(drawn):
        stack = [start]
        while stack:
            v = stack[-1]
            if v in rank:
                stack.pop()
                continue
            below = [i for i in v.inputs[:max_inputs] if i in drawn_set and i not in rank]
            if below:
                stack.extend(below)
                continue
            stack.pop()
            inputs = [rank[i] for i in v.inputs[:max_inputs] if i in drawn_set]
            # A leaf sits at 0 for now; an op at max(inputs) + 1, its Value one further.
            rank[v] = max(inputs, default=-1) + 2 if v.inputs else 0
    first_use: dict[Value, int] = {}
    for v in drawn:
        for i in v.inputs[:max_inputs]:
            if i in drawn_set and not i.inputs:
                first_use[i] = min(first_use.get(i, rank[v] - 1), rank[v] - 1)
    widths: dict[int, list[float]] = {}
    for v in drawn:
        if v.is_constant:
            widths.setdefault(first_use.get(v, 1) - 1, []).append(6.0 * len(number(v.data)) + 8)
            continue
        box = 6.2 * max(map(len, fields(v))) + 16
        if not v.inputs:
            widths.setdefault(first_use.get(v, 1) - 1, []).append(box)
            continue
        widths.setdefault(rank[v], []).append(box)
        widths.setdefault(rank[v] - 1, []).append(max(54.0, 7.0 * len(v.op) + 20))
    across = sum(max(w) for w in widths.values()) + 36.0 * (len(widths) - 1)
    if across <= FIT_WIDTH_PT:
        return "LR"
    down = max(sum(w) + 18.0 * (len(w) - 1) for w in widths.values())
    return "TB" if down < across else "LR"


def _check_count(value: object, name: str, least: int, who: str) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{who}: {name} must be a whole number, got bool {value!r}")
    try:
        count = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"{who}: {name} must be a whole number, got {type(value).__name__} {value!r}"
        ) from None
    if count < least:
        raise ValueError(f"{who}: {name} must be at least {least}, got {count!r}")
    return count


def _check_flag(value: object, name: str, who: str) -> bool:
    if not isinstance(value, bool):
        got = f"{type(value).__name__} {value!r}"
        raise TypeError(f"{who}: {name} must be True or False, got {got}")
    return value


def _check_values(value: object, name: str, who: str) -> set[Value]:
    """A Value, or an iterable of Values, as a set; None as the empty set."""
    if value is None:
        return set()
    if isinstance(value, Value):
        return {value}
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(
            f"{who}: {name} must be a Value or an iterable of Values, "
            f"got {type(value).__name__} {value!r}"
        )
    items = set()
    for item in value:
        if not isinstance(item, Value):
            raise TypeError(
                f"{who}: {name} must hold only Values, got {type(item).__name__} {item!r}"
            )
        items.add(item)
    return items


# --- walking a bounded part of the graph ----------------------------------


def _walk(
    root: Value, max_nodes: int, max_inputs: int, count_limit: int = COUNT_LIMIT
) -> tuple[list[Value], int, bool]:
    """The first ``max_nodes`` Values breadth first from ``root``, following at most
    ``max_inputs`` inputs of each; and how many more there are (counted up to
    ``count_limit``, then ``capped``).

    However wide or deep the graph, this touches at most
    ``(max_nodes + count_limit) * max_inputs`` edges.
    """
    seen = {root}
    order = [root]
    counted = 0
    capped = False
    limit = max_nodes + count_limit
    i = 0
    while i < len(order):
        node = order[i]
        i += 1
        for inp in node.inputs[:max_inputs]:
            if inp not in seen:
                if len(order) >= limit:
                    capped = True
                    break
                seen.add(inp)
                order.append(inp)
        if capped:
            break
    counted = len(order) - min(len(order), max_nodes)
    return order[:max_nodes], counted, capped


# --- draw_graph ------------------------------------------------------------


def draw_graph(
    root: Value,
    *,
    rankdir: str = "auto",
    show_grad: bool = True,
    max_nodes: int = 500,
    max_inputs: int = 40,
    highlight: Value | Iterable[Value] | None = None,
    params: Iterable[Value] | None = None,
    show_local: bool = False,
) -> graphviz.Digraph:
    """Draw the graph that computed ``root``: every Value, every op, every edge.

    Each Value is a box ``label | data | grad``; each operation is an ellipse
    between its inputs and its result, so arrows point the way the forward
    pass ran (backward runs against them). The output is green, leaves
    (inputs) blue, ``params`` violet, plain-number constants small grey
    boxes, and ``highlight``-ed nodes yellow with a red border. Node ids are
    numbered breadth first from the output (``v0`` is the output), so the
    same graph always gives the same DOT text.

    The drawing is bounded whatever the graph: at most ``max_nodes`` Values,
    and at most ``max_inputs`` inputs of any one op (a wider op, such as the
    mean over a batch, shows its first inputs and a "… N more inputs" box).
    What is left out is counted in one dashed "… N more nodes not drawn" box,
    so a sum of a million terms or a chain a million nodes deep draws at once.
    In Jupyter the picture takes the output area's width, shrinks no further
    than keeps its text readable (9 px), and scrolls beyond that.

    Args:
        root: the output to draw from.
        rankdir: "auto" (left to right if that fits 1,000 px readably, else
            the narrower of that and top down, judged from the graph's shape
            and its labels' lengths), or a Graphviz direction: "LR", "RL",
            "TB" or "BT".
        show_grad: show ``.grad`` in each box.
        max_nodes: the most Values to draw (at least 1).
        max_inputs: the most inputs to draw for one op (at least 1).
        highlight: a Value or Values to mark.
        params: leaves to colour as parameters (e.g. ``model.parameters()``).
        show_local: label each edge into an op with its local derivative
            ∂out/∂input, the number backward multiplies by on that edge.

    Returns:
        A ``graphviz.Digraph`` (shows in Jupyter; ``.render()``, ``.source``).

    Raises:
        TypeError, ValueError: an argument of the wrong type or out of range,
            named in the message.

    Example:
        >>> import autograd_lite as ag
        >>> a = ag.Value(2.0, label="a")
        >>> g = ag.draw_graph(a * 3 + 1, show_grad=False)
        >>> print(g.text)
        #0  (output)  = +(#1, 1.0)  data 7.0
        #1            = *(#2, 3.0)  data 6.0
        #2  a         leaf          data 2.0
    """
    return _draw(
        root,
        rankdir=rankdir,
        show_grad=show_grad,
        max_nodes=max_nodes,
        max_inputs=max_inputs,
        highlight=highlight,
        params=params,
        show_local=show_local,
        marked_notes=False,
    )


#: Where a fixed layout puts things: node id -> (pos, width, height), the
#: edges' (pos, label pos) in the order they are drawn, and the bounding box.
Layout = dict[str, Any]


def _draw(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    max_nodes: int = 500,
    max_inputs: int = 40,
    highlight: Value | Iterable[Value] | None = None,
    params: Iterable[Value] | None = None,
    show_local: bool = False,
    grad_text: Callable[[Value], str] | None = None,
    notes: Mapping[tuple[Value, int], str] | None = None,
    marked_notes: bool = True,
    layout: Layout | None = None,
    who: str = "draw_graph()",
) -> graphviz.Digraph:
    """:func:`draw_graph`, plus what the stepper needs.

    ``grad_text`` replaces each node's shown gradient, ``notes`` labels the
    edge from ``node.inputs[i]`` into ``node``'s op (keyed ``(node, i)``; red
    when ``marked_notes``), and ``layout`` pins every node and edge where a
    earlier run of ``dot`` put them (see :func:`layout_of`).
    """
    if not isinstance(root, Value):
        raise TypeError(f"{who} needs a Value, got {type(root).__name__} {root!r}")
    rankdir = _check_rankdir(rankdir, who, auto=True)
    show_grad = _check_flag(show_grad, "show_grad", who)
    show_local = _check_flag(show_local, "show_local", who)
    max_nodes = _check_count(max_nodes, "max_nodes", 1, who)
    max_inputs = _check_count(max_inputs, "max_inputs", 1, who)
    marked = _check_values(highlight, "highlight", who)
    param_set = _check_values(params, "params", who)
    notes = notes or {}
    if grad_text is None:

        def grad_text(v: Value) -> str:
            return number(v.grad)

    drawn, hidden, capped = _walk(root, max_nodes, max_inputs)
    ids = {v: f"v{i}" for i, v in enumerate(drawn)}

    def kind(v: Value) -> str:
        if v is root:
            return "output"
        if v.is_constant:
            return "constant"
        if not v.inputs:
            return "parameter" if v in param_set else "leaf"
        return "intermediate"

    def fields(v: Value) -> list[str]:
        shown = [f"data {number(v.data)}"]
        if show_grad:
            shown.append(f"grad {grad_text(v)}")
        if v.label:
            shown.insert(0, v.label)
        return shown

    if rankdir == "auto":
        rankdir = _estimated_rankdir(drawn, max_inputs, fields)
    g = _new_drawing(rankdir)
    edges = iter(layout["edges"]) if layout else None

    def node(node_id: str, label: str, **attrs: str) -> None:
        if layout:
            pos, width, height = layout["nodes"][node_id]
            attrs.update(pos=pos, width=width, height=height, fixedsize="true")
        g.node(node_id, label, **attrs)

    def edge(tail: str, head: str, **attrs: str) -> None:
        if edges is not None:
            pos, label_pos = next(edges)
            attrs["pos"] = pos
            if attrs.get("label") and label_pos:
                attrs["lp"] = label_pos
        g.edge(tail, head, **attrs)

    if layout:
        # neato -n2 sizes the picture to what it draws; two invisible points
        # at the layout's corners keep every drawing of it the same size.
        x0, y0, x1, y1 = layout["bb"].split(",")
        for corner, pos in (("corner_a", f"{x0},{y0}"), ("corner_b", f"{x1},{y1}")):
            g.node(corner, "", shape="point", style="invis", width="0", height="0", pos=pos)
    cut: dict[str, int] = {}  # op node -> how many of its drawn inputs lead past max_nodes
    rest: dict[str, int] = {}  # op node -> how many inputs past max_inputs it has
    # A box's fields stack top to bottom whichever way the graph runs
    # (braces turn a record's fields across the rank direction).
    stacked = rankdir in ("TB", "BT")
    for v in drawn:
        vid = ids[v]
        k = kind(v)
        style: dict[str, str] = {"style": "filled", "fillcolor": COLORS[k]}
        if v in marked:
            style.update(fillcolor=COLORS["highlight"], color=COLORS["border"], penwidth="3")
        if k == "constant":
            node(vid, _escape(number(v.data)), shape="box", fontsize="9", width="0", height="0",
                 margin="0.05,0.02", **style)  # fmt: skip
        else:
            record = " | ".join(_record_escape(f) for f in fields(v))
            node(vid, "{ " + record + " }" if stacked else record, shape="record", **style)
        if not v.inputs:
            continue
        op_id = vid + "_op"
        node(op_id, _escape(v.op), shape="ellipse", style="filled", fillcolor=COLORS["op"])
        edge(op_id, vid)
        for position, inp in enumerate(v.inputs[:max_inputs]):
            note = notes.get((v, position))
            if note is None and show_local:
                note = f"∂ {number(v.local_grads[position])}"
            attrs = {"label": _escape(note)} if note is not None else {}
            if note is not None and marked_notes:
                attrs.update(color=COLORS["border"], fontcolor=COLORS["border"], penwidth="2")
            if inp in ids:
                edge(ids[inp], op_id, **attrs)
            else:
                cut[op_id] = cut.get(op_id, 0) + 1
        if len(v.inputs) > max_inputs:
            rest[op_id] = len(v.inputs) - max_inputs
    for op_id, extra in rest.items():
        node(op_id + "_rest", _escape(f"… {extra:,} more inputs"), shape="note",
             style="filled,dashed", fillcolor=COLORS["more"], fontsize="9")  # fmt: skip
        edge(op_id + "_rest", op_id, style="dashed")
    # One dashed edge per op that lost inputs, however many it lost.
    for op_id, lost in cut.items():
        counted = {"label": f"{lost:,} inputs"} if lost > 1 else {}
        edge("more", op_id, style="dashed", **counted)
    more = ""
    if hidden:
        more = f"… {hidden:,}{'+' if capped else ''} more nodes not drawn (max_nodes={max_nodes})"
        node("more", _escape(more), shape="note", style="filled,dashed",
             fillcolor=COLORS["more"])  # fmt: skip
    if layout:
        g.neato_no_op = 2
        g.engine = "neato"
    g.text = _text_listing(drawn, ids, kind, grad_text if show_grad else None, marked, more,
                           max_inputs)  # fmt: skip
    return g


def layout_of(source: str) -> Layout:
    """Where ``dot`` puts every node and edge of the DOT text ``source``.

    Drawings of the same graph made with this layout (``_draw(layout=...)``)
    keep every node in the same place, whatever their labels say.
    """
    import json

    import graphviz

    placed = json.loads(graphviz.pipe_string("dot", "json", source, encoding="utf-8"))
    nodes = {
        obj["name"]: (obj["pos"], obj["width"], obj["height"])
        for obj in placed.get("objects", ())
        if "pos" in obj
    }
    edges = [
        (e["pos"], e.get("lp")) for e in sorted(placed.get("edges", ()), key=lambda e: e["_gvid"])
    ]
    return {"bb": placed["bb"], "nodes": nodes, "edges": edges}


def _text_listing(
    drawn: list[Value],
    ids: Mapping[Value, str],
    kind: Callable[[Value], str],
    grad_text: Callable[[Value], str] | None,
    marked: set[Value],
    more: str,
    max_inputs: int,
) -> str:
    """The drawing as aligned text, one Value per line, inputs referred to by #id.

    Constants are written in place (``*(#3, 3.0)``) rather than on lines
    of their own; an op's inputs past ``max_inputs`` are counted, not listed.
    """

    # Constants are not listed, so the text numbers the rest afresh.
    numbers = {v: f"#{i}" for i, v in enumerate(v for v in drawn if kind(v) != "constant")}

    def ref(v: Value) -> str:
        if v.is_constant:
            return number(v.data)
        return numbers.get(v, "…")

    def operands(v: Value) -> Sequence[str]:
        shown = [ref(inp) for inp in v.inputs[:max_inputs]]
        if len(v.inputs) > max_inputs:
            shown.append(f"… {len(v.inputs) - max_inputs:,} more")
        return shown

    rows = []
    for v in drawn:
        k = kind(v)
        if k == "constant":
            continue
        name = _printable(v.label) or ("(output)" if k == "output" else "")
        what = f"= {v.op}({', '.join(operands(v))})" if v.inputs else k
        cells = [ref(v), name, what, f"data {number(v.data)}"]
        if marked:
            cells.insert(0, "▶" if v in marked else "")
        if grad_text is not None:
            cells.append(f"grad {grad_text(v)}")
        rows.append(cells)
    lines = _align(rows)
    if more:
        lines.append(more)
    return "\n".join(lines)


def _align(rows: list[list[str]]) -> list[str]:
    """Pad cells into left-aligned columns."""
    widths = [
        max(len(cell) for cell in column) for column in itertools.zip_longest(*rows, fillvalue="")
    ]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]


def __getattr__(name: str) -> Any:
    # draw_model lives in .architecture (which imports this module); the old
    # import path ``autograd_lite.inspect.draw.draw_model`` keeps working.
    if name == "draw_model":
        from .architecture import draw_model

        return draw_model
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
