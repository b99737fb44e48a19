"""Pictures of graphs and models: ``draw_graph`` and ``draw_model`` return Graphviz drawings.

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
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..core import Value
from ..core.display import fmt
from ..core.graph import nodes

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


# --- the Digraph that degrades to text -------------------------------------


@functools.cache
def _drawing_class() -> type[graphviz.Digraph]:
    """``graphviz.Digraph`` plus a text fallback; built on first use (lazy import)."""
    import graphviz

    class Drawing(graphviz.Digraph):
        """A ``graphviz.Digraph`` that shows as text when ``dot`` is missing.

        ``text`` holds the text rendering; it is also the ``repr``.
        """

        text = ""

        def _repr_mimebundle_(
            self,
            include: Iterable[str] | None = None,
            exclude: Iterable[str] | None = None,
            **kwargs: Any,
        ) -> dict[str, Any]:
            try:
                return super()._repr_mimebundle_(include, exclude, **kwargs)
            except graphviz.ExecutableNotFound:
                return fallback_bundle(self.text, INSTALL_HINT)
            except (graphviz.CalledProcessError, OSError) as err:
                return fallback_bundle(self.text, f"Graphviz's `dot` failed ({err}).")

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


def _new_drawing(rankdir: str, title: str | None) -> graphviz.Digraph:
    g = _drawing_class()(
        graph_attr={"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "12"},
        node_attr={"fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"fontname": "Helvetica", "fontsize": "10", "arrowsize": "0.7"},
    )
    if title:
        g.attr(label=_escape(title), labelloc="t", labeljust="l")
    return g


def _escape(text: str) -> str:
    """Text for an ordinary Graphviz label: backslashes and <…> taken literally."""
    import graphviz

    return graphviz.escape(text)


def _record_escape(text: str) -> str:
    """Text for one field of a record label (where { } | < > are syntax)."""
    for ch in '\\{}|<>"':
        text = text.replace(ch, "\\" + ch)
    return text


# --- draw_graph ------------------------------------------------------------


def draw_graph(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    max_nodes: int = 500,
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

    The walk is iterative and stops after ``max_nodes`` Values: the rest is
    shown as one dashed "… N more nodes not drawn" box, so even a graph a
    million nodes deep draws at once.

    Args:
        root: the output to draw from.
        rankdir: Graphviz direction: "LR" (left to right) or "TB" (top down).
        show_grad: show ``.grad`` in each box.
        max_nodes: the most Values to draw.
        highlight: a Value or Values to mark.
        params: leaves to colour as parameters (e.g. ``model.parameters()``).
        show_local: label each edge into an op with its local derivative
            ∂out/∂input, the number backward multiplies by on that edge.

    Returns:
        A ``graphviz.Digraph`` (shows in Jupyter; ``.render()``, ``.source``).

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
        highlight=highlight,
        params=params,
        show_local=show_local,
    )


def _draw(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    max_nodes: int = 500,
    highlight: Value | Iterable[Value] | None = None,
    params: Iterable[Value] | None = None,
    show_local: bool = False,
    grad_text: Callable[[Value], str] | None = None,
    notes: Mapping[tuple[Value, int], str] | None = None,
    title: str | None = None,
) -> graphviz.Digraph:
    """:func:`draw_graph`, plus what the stepper needs.

    ``grad_text`` replaces each node's shown gradient, ``notes`` labels the
    edge from ``node.inputs[i]`` into ``node``'s op (keyed ``(node, i)``),
    and ``title`` is printed above the picture.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph() needs a Value, got {type(root).__name__} {root!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw_graph() needs max_nodes >= 1, got {max_nodes!r}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    marked = {highlight} if isinstance(highlight, Value) else set(highlight or ())
    param_set = set(params or ())
    notes = notes or {}
    if grad_text is None:

        def grad_text(v: Value) -> str:
            return fmt(v.grad)

    # Breadth first from the output, lazily: only max_nodes (+ a bounded
    # count of the rest) are ever visited.
    walk = nodes(root)
    drawn = list(itertools.islice(walk, max_nodes))
    hidden = sum(1 for _ in itertools.islice(walk, COUNT_LIMIT))
    capped = hidden == COUNT_LIMIT and next(walk, None) is not None
    ids = {v: f"v{i}" for i, v in enumerate(drawn)}

    def kind(v: Value) -> str:
        if v is root:
            return "output"
        if v.is_constant:
            return "constant"
        if not v.inputs:
            return "parameter" if v in param_set else "leaf"
        return "intermediate"

    g = _new_drawing(rankdir, title)
    cut: dict[str, int] = {}  # op node -> how many of its inputs were not drawn
    horizontal = rankdir in ("LR", "RL")
    for v in drawn:
        vid = ids[v]
        k = kind(v)
        style: dict[str, str] = {"style": "filled", "fillcolor": COLORS[k]}
        if v in marked:
            style.update(fillcolor=COLORS["highlight"], color=COLORS["border"], penwidth="3")
        if k == "constant":
            g.node(vid, fmt(v.data), shape="box", fontsize="9", width="0", height="0",
                   margin="0.05,0.02", **style)  # fmt: skip
        else:
            fields = [f"data {fmt(v.data)}"]
            if show_grad:
                fields.append(f"grad {grad_text(v)}")
            if v.label:
                fields.insert(0, v.label)
            record = " | ".join(_record_escape(f) for f in fields)
            g.node(vid, "{ " + record + " }" if horizontal else record, shape="record", **style)
        if not v.inputs:
            continue
        op_id = vid + "_op"
        g.node(op_id, _escape(v.op), shape="ellipse", style="filled", fillcolor=COLORS["op"])
        g.edge(op_id, vid)
        for position, inp in enumerate(v.inputs):
            note = notes.get((v, position))
            if note is None and show_local:
                note = f"∂ {fmt(v.local_grads[position])}"
            attrs = {"label": _escape(note)} if note is not None else {}
            if (v, position) in notes:
                attrs.update(color=COLORS["border"], fontcolor=COLORS["border"], penwidth="2")
            if inp in ids:
                g.edge(ids[inp], op_id, **attrs)
            else:
                cut[op_id] = cut.get(op_id, 0) + 1
    # One dashed edge per op that lost inputs, however many it lost.
    for op_id, lost in cut.items():
        g.edge("more", op_id, style="dashed", label=f"{lost:,} inputs" if lost > 1 else None)
    more = ""
    if hidden:
        more = f"… {hidden:,}{'+' if capped else ''} more nodes not drawn (max_nodes={max_nodes})"
        g.node("more", _escape(more), shape="note", style="filled,dashed",
               fillcolor=COLORS["more"])  # fmt: skip

    g.text = _text_listing(drawn, ids, kind, grad_text if show_grad else None, marked, more, title)
    return g


def _text_listing(
    drawn: list[Value],
    ids: Mapping[Value, str],
    kind: Callable[[Value], str],
    grad_text: Callable[[Value], str] | None,
    marked: set[Value],
    more: str,
    title: str | None,
) -> str:
    """The drawing as aligned text, one Value per line, inputs referred to by #id.

    Constants are written in place (``*(#3, 3.0)``) rather than on lines
    of their own.
    """

    # Constants are not listed, so the text numbers the rest afresh.
    number = {v: f"#{i}" for i, v in enumerate(v for v in drawn if kind(v) != "constant")}

    def ref(v: Value) -> str:
        if v.is_constant:
            return fmt(v.data)
        return number.get(v, "…")

    rows = []
    for v in drawn:
        k = kind(v)
        if k == "constant":
            continue
        name = v.label or ("(output)" if k == "output" else "")
        what = f"= {v.op}({', '.join(ref(inp) for inp in v.inputs)})" if v.inputs else k
        cells = [ref(v), name, what, f"data {fmt(v.data)}"]
        if marked:
            cells.insert(0, "▶" if v in marked else "")
        if grad_text is not None:
            cells.append(f"grad {grad_text(v)}")
        rows.append(cells)
    lines = _align(rows)
    if more:
        lines.append(more)
    if title:
        lines.insert(0, title)
    return "\n".join(lines)


def _align(rows: list[list[str]]) -> list[str]:
    """Pad cells into left-aligned columns."""
    widths = [
        max(len(cell) for cell in column) for column in itertools.zip_longest(*rows, fillvalue="")
    ]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]


# --- draw_model ------------------------------------------------------------


def draw_model(model: Any, *, rankdir: str = "LR", max_neurons: int = 8) -> graphviz.Digraph:
    """Draw a network's architecture: inputs, then each layer's neurons, with parameter counts.

    Each layer is a box of neurons (one Σ per neuron: its weighted sum, then
    the layer's activation) labelled with its width, activation and number
    of parameters; consecutive layers are fully connected. Layers wider than
    ``max_neurons`` show their first neurons, a "⋮" and the last one.

    Works with ``nn.MLP``, ``nn.Layer`` and ``nn.Neuron``, or anything shaped
    like them (``.layers``; a layer's ``.neurons``; a neuron's ``.w`` list
    and ``.b``).

    Args:
        model: the network.
        rankdir: "LR" (inputs on the left) or "TB" (inputs on top).
        max_neurons: the most circles to draw per layer.

    Returns:
        A ``graphviz.Digraph``, shown in Jupyter like :func:`draw_graph`'s.

    Example:
        >>> from autograd_lite import nn, draw_model
        >>> print(draw_model(nn.MLP(2, [4, 1], seed=0)).text)
        MLP: 2 inputs → 4 relu → 1 linear, 17 parameters
          input    2 values
          layer 1  4 neurons, relu, 12 parameters (4 × (2 weights + 1 bias))
          layer 2  1 neuron, linear, 5 parameters (1 × (4 weights + 1 bias))
    """
    if max_neurons < 3:
        raise ValueError(f"draw_model() needs max_neurons >= 3, got {max_neurons!r}")
    layers = _layers_of(model)
    nin = len(layers[0][0][0].w)
    total = sum(params for _, _, params in layers)
    kind = type(model).__name__
    shape = " → ".join([f"{nin} inputs", *(f"{len(ns)} {act}" for ns, act, _ in layers)])
    summary = f"{kind}: {shape}, {total:,} parameters"

    g = _new_drawing(rankdir, None)
    g.attr(label=_escape(summary), labelloc="b", nodesep="0.1", ranksep="0.9")
    g.attr("node", shape="circle", width="0.35", fixedsize="true", style="filled")
    g.attr("edge", color="#adb5bd", arrowsize="0.4", penwidth="0.6")
    column = _column(g, "in", "input", f"{nin} values", [f"x{i + 1}" for i in range(nin)],
                     max_neurons, COLORS["leaf"])  # fmt: skip
    rows = [["input", f"{nin} value{'s' * (nin != 1)}"]]
    for number, (neurons, activation, params) in enumerate(layers, 1):
        width = len(neurons)
        fan_in = len(neurons[0].w)
        plural = "s" * (width != 1)
        title = f"layer {number} · {activation}"
        caption = f"{width} neuron{plural} · {params} parameters"
        color = COLORS["output"] if number == len(layers) else COLORS["parameter"]
        nxt = _column(g, f"L{number}", title, caption, ["Σ"] * width, max_neurons, color)
        for a in column:
            for b in nxt:
                if a.endswith("_more") or b.endswith("_more"):
                    continue
                g.edge(a, b)
        column = nxt
        has_bias = all(getattr(n, "b", None) is not None for n in neurons)
        detail = f"{width} × ({fan_in} weights{' + 1 bias' if has_bias else ''})"
        rows.append([f"layer {number}", f"{width} neuron{plural}, {activation}, {params} "
                                        f"parameters ({detail})"])  # fmt: skip
    g.text = "\n".join([summary, *("  " + line for line in _align(rows))])
    return g


def _layers_of(model: Any) -> list[tuple[list[Any], str, int]]:
    """(neurons, activation, parameter count) per layer of an MLP, a Layer or a Neuron."""
    if hasattr(model, "layers"):
        layers = [(list(layer.neurons), layer) for layer in model.layers]
    elif hasattr(model, "neurons"):
        layers = [(list(model.neurons), model)]
    elif hasattr(model, "w") and hasattr(model, "b"):
        layers = [([model], model)]
    else:
        raise TypeError(
            f"draw_model() needs an MLP, Layer or Neuron (something with .layers, .neurons "
            f"or .w and .b), got {type(model).__name__}"
        )
    if not layers or not all(neurons for neurons, _ in layers):
        raise ValueError("draw_model() needs a model with at least one neuron per layer")
    result = []
    for neurons, owner in layers:
        activation = getattr(owner, "activation", None) or getattr(neurons[0], "activation", "")
        params = sum(len(n.w) + (getattr(n, "b", None) is not None) for n in neurons)
        result.append((neurons, str(activation or "?"), params))
    return result


def _column(
    g: graphviz.Digraph,
    prefix: str,
    title: str,
    caption: str,
    labels: list[str],
    limit: int,
    color: str,
) -> list[str]:
    """One layer as a boxed column of circles; a "⋮ k more" stands in for the middle."""
    shown = list(range(len(labels)))
    if len(labels) > limit:
        shown = [*range(limit - 2), -1, len(labels) - 1]
    ids = []
    with g.subgraph(name=f"cluster_{prefix}") as box:
        box.attr(label=_escape(f"{title}\n{caption}"), style="rounded", color="#868e96")
        for i in shown:
            if i == -1:
                node_id = f"{prefix}_more"
                hidden = len(labels) - (limit - 1)
                box.node(node_id, f"⋮\n{hidden} more", shape="plaintext", fixedsize="false")
            else:
                node_id = f"{prefix}_{i}"
                box.node(node_id, _escape(labels[i]), fillcolor=color)
            ids.append(node_id)
    return ids
