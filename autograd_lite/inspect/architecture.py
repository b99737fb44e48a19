"""Pictures of a network's architecture: ``draw_model``.

A model is drawn as its *stages* in order: dense layers as columns of
neurons (one Σ each), a convolution as its kernels (a small grid of weights
each), pooling and flattening as boxes that change the shape, and a
recurrent layer unrolled over a few time steps, so that the recurrence shows
as the edges h_{t-1} → h_t that all share one weight matrix W_hh. Containers
(``nn.MLP``, ``nn.Sequential``, nested ones too) are walked in order.

Layers are recognised by their shape (duck typing), so anything built like
``nn.Layer``, ``nn.Conv2d`` or ``nn.RNN`` draws too, and this module needs
nothing from ``nn``.

Example:
    >>> from autograd_lite import nn, draw_model
    >>> rnn = nn.RNN(1, 4, seed=0)
    >>> print(draw_model(rnn).text.splitlines()[0])
    RNN: sequence of 1-value inputs → RNN 4 tanh, 24 parameters
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .draw import COLORS, _align, _check_count, _check_rankdir, _escape, _new_drawing, number

if TYPE_CHECKING:
    import graphviz

#: Kernels with a side up to this are drawn as a grid of their weights.
MAX_GRID_SIDE = 5
#: The most time steps ``draw_model`` unrolls a recurrent layer over.
MAX_STEPS = 12
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_NOT_A_MODEL = (
    "draw_model() needs an MLP, Layer or Neuron, a Conv2d, MaxPool2d, Flatten or RNN, or a "
    "Sequential of them (something with .layers, .neurons, .w and .b, .weight and "
    ".kernel_size, or .w_ih and .w_hh), got {}; draw_graph() draws any computation"
)

Shape = tuple[int, ...]


@dataclass
class Stage:
    """One step of the model: what it is, the module, and what it does to the shape."""

    kind: str  # "dense", "conv", "pool", "flatten", "rnn" or "step"
    module: Any
    neurons: list[Any] = field(default_factory=list)  # dense only
    activation: str = ""
    params: int = 0
    shape_in: Shape | None = None
    shape_out: Shape | None = None


def _sub(n: int) -> str:
    return str(n).translate(_SUBSCRIPTS)


def _dims(shape: Shape) -> str:
    return "×".join(map(str, shape))


def _parameterless(m: Any) -> bool:
    try:
        return callable(m) and hasattr(m, "parameters") and not m.parameters()
    except Exception:  # a duck that quacks oddly is not a step we can draw
        return False


# --- walking the model -------------------------------------------------------


def stages_of(model: Any) -> list[Stage]:
    """The model's stages in order, containers flattened (iteratively, no recursion).

    Example:
        >>> from autograd_lite import nn
        >>> [s.kind for s in stages_of(nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten()))]
        ['conv', 'flatten']
    """
    stages: list[Stage] = []
    stack = [model]
    while stack:
        m = stack.pop()
        if hasattr(m, "layers"):
            stack.extend(reversed(list(m.layers)))
        elif hasattr(m, "neurons"):
            stages.append(_dense(list(m.neurons), m))
        elif hasattr(m, "w") and hasattr(m, "b"):
            stages.append(_dense([m], m))
        elif hasattr(m, "w_ih") and hasattr(m, "w_hh"):
            nh, nin = len(m.w_ih), len(m.w_ih[0]) if m.w_ih else 0
            act = str(getattr(m, "activation", "") or "?")
            stages.append(Stage("rnn", m, activation=act, params=nh * (nin + nh + 1)))
        elif hasattr(m, "weight") and hasattr(m, "kernel_size") and hasattr(m, "in_channels"):
            k, cin, cout = m.kernel_size, m.in_channels, m.out_channels
            act = str(getattr(m, "activation", "") or "?")
            stages.append(Stage("conv", m, activation=act, params=cout * (cin * k * k + 1)))
        elif hasattr(m, "kernel_size") and _parameterless(m):
            stages.append(Stage("pool", m))
        elif _parameterless(m):
            stages.append(Stage("flatten" if type(m).__name__ == "Flatten" else "step", m))
        else:
            raise TypeError(_NOT_A_MODEL.format(type(m).__name__))
    if not stages:
        raise ValueError("draw_model() needs a model with at least one layer")
    return stages


def _dense(neurons: list[Any], owner: Any) -> Stage:
    if not neurons:
        raise ValueError("draw_model() needs a model with at least one neuron per layer")
    activation = getattr(owner, "activation", None) or getattr(neurons[0], "activation", "")
    params = sum(len(n.w) + (getattr(n, "b", None) is not None) for n in neurons)
    return Stage("dense", owner, neurons, str(activation or "?"), params)


def _check_input_shape(shape: object) -> Shape | None:
    who = "draw_model()"
    if shape is None:
        return None
    if isinstance(shape, (str, bytes)) or not isinstance(shape, Sequence):
        raise TypeError(f"{who}: input_shape must be a tuple of sizes, got {shape!r:.80}")
    if not 1 <= len(shape) <= 3:
        raise ValueError(
            f"{who}: input_shape must have 1 to 3 sizes, such as (1, 8, 8), got {shape!r:.80}"
        )
    return tuple(_check_count(n, "each input_shape size", 1, who) for n in shape)


def _propagate(stages: list[Stage], shape: Shape | None) -> None:
    """Fill in each stage's input and output shape (None where the input does not say)."""
    for i, s in enumerate(stages):
        s.shape_in = shape
        m = s.module
        if s.kind == "dense":
            nin = len(s.neurons[0].w)
            if shape is not None and shape != (nin,):
                _misfit(m, shape, f"{nin} inputs")
            shape = (len(s.neurons),)
        elif s.kind == "conv":
            k, p = m.kernel_size, m.padding
            if shape is not None:
                least = max(k - 2 * p, 1)
                if len(shape) != 3 or shape[0] != m.in_channels or min(shape[1:]) < least:
                    _misfit(m, shape, f"({m.in_channels}, H, W) with H, W >= {least}")
                shape = tuple(m.output_shape(shape[1], shape[2]))
        elif s.kind == "pool":
            k = m.kernel_size
            if shape is not None:
                if len(shape) != 3 or min(shape[1:]) < k:
                    _misfit(m, shape, f"(C, H, W) with H, W >= {k}")
                shape = (shape[0], shape[1] // k, shape[2] // k)
        elif s.kind == "flatten":
            if shape is not None:
                shape = (math.prod(shape),)
            elif i + 1 < len(stages) and stages[i + 1].kind == "dense":
                shape = (len(stages[i + 1].neurons[0].w),)  # what the next layer takes
        elif s.kind == "rnn":
            nin, nh = len(m.w_ih[0]), len(m.w_ih)
            if shape is not None and (len(shape) != 2 or shape[1] != nin):
                _misfit(m, shape, f"(T, {nin})")
            shape = None if shape is None else (shape[0], nh)
        else:
            shape = None
        s.shape_out = shape


def _misfit(module: Any, shape: Shape, wanted: str) -> None:
    raise ValueError(
        f"draw_model(): the input_shape does not fit {module!r}: it expects {wanted}, "
        f"the step before it gives {shape}"
    )


# --- words -------------------------------------------------------------------


def _input_words(first: Stage, shape: Shape | None) -> tuple[str, str]:
    """(summary token, text row) for the model's input."""
    if shape is not None:
        n = math.prod(shape)
        if first.kind == "dense":
            return f"{n} inputs", f"{n} value{'s' * (n != 1)}"
        if first.kind == "rnn":
            return _dims(shape), f"a sequence of {shape[0]} inputs x_t of {shape[1]} values"
        return _dims(shape), f"{_dims(shape)} values" if len(shape) > 1 else f"{n} values"
    m = first.module
    if first.kind == "dense":
        n = len(first.neurons[0].w)
        return f"{n} inputs", f"{n} value{'s' * (n != 1)}"
    if first.kind == "conv":
        c = m.in_channels
        return f"{c}×H×W", f"{c} channel{'s' * (c != 1)} of any height H and width W"
    if first.kind == "rnn":
        nin = len(m.w_ih[0])
        each = f"{nin} value{'s' * (nin != 1)} each"
        return f"sequence of {nin}-value inputs", f"a sequence of inputs x_t, {each}"
    return "input", "any shape"


def _token(s: Stage) -> str:
    m = s.module
    if s.kind == "dense":
        return f"{len(s.neurons)} {s.activation}"
    shape = f" [{_dims(s.shape_out)}]" if s.shape_out is not None else ""
    if s.kind == "conv":
        k = m.kernel_size
        return f"Conv2d {m.out_channels} kernels {k}×{k} {s.activation}{shape}"
    if s.kind == "pool":
        return f"MaxPool2d {m.kernel_size}×{m.kernel_size}{shape}"
    if s.kind == "flatten":
        return f"Flatten{shape}"
    if s.kind == "rnn":
        return f"RNN {len(m.w_ih)} {s.activation}"
    return f"{m!r}"


def _row(s: Stage) -> str:
    m = s.module
    arrow = f" → {_dims(s.shape_out)}" if s.shape_out is not None else ""
    if s.kind == "dense":
        width, fan_in = len(s.neurons), len(s.neurons[0].w)
        has_bias = all(getattr(n, "b", None) is not None for n in s.neurons)
        detail = f"{width} × ({fan_in} weights{' + 1 bias' if has_bias else ''})"
        plural = "s" * (width != 1)
        return f"{width} neuron{plural}, {s.activation}, {s.params} parameters ({detail})"
    if s.kind == "conv":
        k, cin, cout = m.kernel_size, m.in_channels, m.out_channels
        return (
            f"Conv2d {cin} → {cout} channels, {k}×{k} kernels, stride {m.stride}, "
            f"padding {m.padding}, {s.activation}, {s.params} parameters "
            f"({cout} × ({cin}·{k}·{k} weights + 1 bias)){arrow}"
        )
    if s.kind == "pool":
        k = m.kernel_size
        return f"MaxPool2d {k}×{k}: the largest of each window, no parameters{arrow}"
    if s.kind == "flatten":
        return f"Flatten: one vector, no parameters{arrow}"
    if s.kind == "rnn":
        nh, nin = len(m.w_ih), len(m.w_ih[0])
        return (
            f"RNN {nin} → {nh}, {s.activation}, {s.params} parameters (W_ih {nh}×{nin}, "
            f"W_hh {nh}×{nh}, b {nh}) shared by every step: "
            f"h_t = {s.activation}(W_ih x_t + W_hh h_t-1 + b){arrow}"
        )
    return f"{m!r}, no parameters{arrow}"


# --- draw_model --------------------------------------------------------------


def draw_model(
    model: Any,
    *,
    rankdir: str = "LR",
    max_neurons: int = 8,
    steps: int = 3,
    input_shape: Sequence[int] | None = None,
) -> graphviz.Digraph:
    """Draw a network's architecture: each layer with its sizes and parameter count.

    A dense layer is a box of neurons (one Σ per neuron: its weighted sum,
    then the activation), fully connected to the layer before. A ``Conv2d``
    shows its channels, kernel size, stride, padding and parameter count, and
    its kernels as small grids of weights (input channel 0; red positive,
    blue negative). ``MaxPool2d`` and ``Flatten`` are boxes that change the
    shape. An ``RNN`` is unrolled over ``steps`` time steps: x_t → h_t
    through W_ih, and h_{t-1} → h_t through W_hh, the recurrence, with one
    set of weights for every step. ``MLP`` and ``Sequential`` are walked in
    order. Layers wider than ``max_neurons`` (neurons or kernels) show their
    first ones, a "⋮" and the last one.

    Args:
        model: the network (anything shaped like the ``nn`` modules).
        rankdir: "LR" (inputs on the left), "TB" (inputs on top), "RL" or "BT".
        max_neurons: the most neurons or kernels to draw per layer (at least 3).
        steps: how many time steps to unroll a recurrent layer over (1 to 12).
        input_shape: the shape of one input, e.g. ``(1, 8, 8)`` for a 1-channel
            8×8 image or ``(T, nin)`` for a sequence: every step then says the
            shape it produces (and a shape that does not fit is a ValueError).

    Returns:
        A ``graphviz.Digraph``, shown in Jupyter like :func:`draw_graph`'s;
        ``.text`` is the same description as text.

    Example:
        >>> from autograd_lite import nn, draw_model
        >>> print(draw_model(nn.MLP(2, [4, 1], seed=0)).text)
        MLP: 2 inputs → 4 relu → 1 linear, 17 parameters
          input    2 values
          layer 1  4 neurons, relu, 12 parameters (4 × (2 weights + 1 bias))
          layer 2  1 neuron, linear, 5 parameters (1 × (4 weights + 1 bias))
    """
    who = "draw_model()"
    rankdir = _check_rankdir(rankdir, who)
    max_neurons = _check_count(max_neurons, "max_neurons", 3, who)
    steps = _check_count(steps, "steps", 1, who)
    if steps > MAX_STEPS:
        raise ValueError(f"{who}: steps must be at most {MAX_STEPS}, got {steps}")
    shape = _check_input_shape(input_shape)
    stages = stages_of(model)
    _propagate(stages, shape)
    total = sum(s.params for s in stages)
    first_token, first_row = _input_words(stages[0], shape)
    tokens = " → ".join([first_token, *(_token(s) for s in stages)])
    summary = f"{type(model).__name__}: {tokens}, {total:,} parameters"

    g = _new_drawing(rankdir)
    g.attr(label=_wrapped(summary), labelloc="b", nodesep="0.1", ranksep="0.9")
    g.attr("node", shape="circle", width="0.35", fixedsize="true", style="filled")
    g.attr("edge", color="#adb5bd", arrowsize="0.4", penwidth="0.6")
    painter = _Painter(g, max_neurons, steps)
    if stages[0].kind == "dense":
        nin = len(stages[0].neurons[0].w)
        ends = painter.column(
            "in", "input", first_row, [f"x{i + 1}" for i in range(nin)], COLORS["leaf"]
        )
    elif stages[0].kind == "rnn":
        ends = []  # the unrolled layer draws its own inputs x_t
    else:
        ends = [painter.box("in", f"input\n{first_row}", COLORS["leaf"])]
    rows = [["input", first_row]]
    last_dense = max((i for i, s in enumerate(stages) if s.kind == "dense"), default=-1)
    for index, stage in enumerate(stages, 1):
        ends = painter.stage(index, stage, ends, output=index - 1 == last_dense)
        rows.append([f"layer {index}", _row(stage)])
    g.text = "\n".join([summary, *("  " + line for line in _align(rows))])
    return g


def _wrapped(text: str, width: int = 78) -> str:
    """``text`` as escaped label lines of at most ``width`` characters, broken at arrows."""
    lines: list[str] = []
    for part in text.split(" → "):
        if lines and len(lines[-1]) + len(part) + 3 <= width:
            lines[-1] += " → " + part
        else:
            lines.append(part if not lines else "→ " + part)
    return r"\n".join(_escape(line) for line in lines)


class _Painter:
    """Draws stages into one Digraph; each returns the node ids the next stage connects from."""

    def __init__(self, g: graphviz.Digraph, limit: int, steps: int) -> None:
        self.g = g
        self.limit = limit
        self.steps = steps

    def connect(self, tails: list[str], heads: list[str], **attrs: str) -> None:
        for a in tails:
            for b in heads:
                if not (a.endswith("_more") or b.endswith("_more")):
                    self.g.edge(a, b, **attrs)

    def box(self, node_id: str, text: str, color: str, graph: Any = None) -> str:
        label = r"\n".join(_escape(line) for line in text.split("\n"))
        (graph or self.g).node(
            node_id, label, shape="box", style="rounded,filled", fixedsize="false", fillcolor=color
        )
        return node_id

    def shown(self, n: int) -> list[int]:
        """Indices to draw of n items; -1 stands for the elided middle."""
        if n <= self.limit:
            return list(range(n))
        return [*range(self.limit - 2), -1, n - 1]

    def column(
        self, prefix: str, title: str, caption: str, labels: list[str], color: str
    ) -> list[str]:
        """One layer as a boxed column of circles; a "⋮ k more" stands in for the middle."""
        ids = []
        with self.g.subgraph(name=f"cluster_{prefix}") as box:
            box.attr(label=_escape(title) + r"\n" + _escape(caption), style="rounded",
                     color="#868e96")  # fmt: skip
            for i in self.shown(len(labels)):
                if i == -1:
                    node_id = f"{prefix}_more"
                    hidden = len(labels) - (self.limit - 1)
                    box.node(node_id, f"⋮\n{hidden} more", shape="plaintext", fixedsize="false")
                else:
                    node_id = f"{prefix}_{i}"
                    box.node(node_id, _escape(labels[i]), fillcolor=color)
                ids.append(node_id)
        return ids

    def stage(self, index: int, s: Stage, ends: list[str], output: bool) -> list[str]:
        prefix = f"L{index}"
        m = s.module
        if s.kind == "dense":
            width = len(s.neurons)
            title = f"layer {index} · {s.activation}"
            caption = f"{width} neuron{'s' * (width != 1)} · {s.params} parameters"
            color = COLORS["output"] if output else COLORS["parameter"]
            column = self.column(prefix, title, caption, ["Σ"] * width, color)
            self.connect(ends, column)
            return column
        if s.kind == "conv":
            return self.conv(prefix, index, s, ends)
        if s.kind == "rnn":
            return self.rnn(prefix, index, s, ends)
        if s.kind == "pool":
            k = m.kernel_size
            text = f"layer {index} · MaxPool2d {k}×{k}\nthe largest of each window"
        elif s.kind == "flatten":
            text = f"layer {index} · Flatten\nall values in one vector"
        else:
            text = f"layer {index} · {m!r}"
        if s.shape_in is not None and s.shape_out is not None:
            text += f"\n{_dims(s.shape_in)} → {_dims(s.shape_out)}"
        elif s.shape_out is not None:
            text += f"\n→ {_dims(s.shape_out)}"
        node = self.box(prefix, text, COLORS["op"])
        self.connect(ends, [node])
        return [node]

    def conv(self, prefix: str, index: int, s: Stage, ends: list[str]) -> list[str]:
        m = s.module
        k, cin, cout = m.kernel_size, m.in_channels, m.out_channels
        kernels = [[[float(w.data) for w in row] for row in kernel[0]] for kernel in m.weight]
        scale = max((abs(w) for kernel in kernels for row in kernel for w in row), default=0.0)
        title = f"layer {index} · Conv2d · {s.activation}"
        caption = (
            f"{cin} → {cout} channels · {k}×{k} kernels, stride {m.stride}, padding {m.padding}"
        )
        caption += f"\n{s.params} parameters"
        if s.shape_out is not None:
            caption += f" · output {_dims(s.shape_out)}"
        ids = []
        with self.g.subgraph(name=f"cluster_{prefix}") as box:
            label = r"\n".join(_escape(line) for line in [title, *caption.split("\n")])
            box.attr(label=label, style="rounded", color="#868e96")
            for o in self.shown(cout):
                if o == -1:
                    node_id = f"{prefix}_more"
                    hidden = cout - (self.limit - 1)
                    box.node(node_id, f"⋮\n{hidden} more", shape="plaintext", fixedsize="false")
                else:
                    node_id = f"{prefix}_{o}"
                    channel = f", channel 0 of {cin}" if cin > 1 else ""
                    name = f"kernel {o}{channel}"
                    box.node(node_id, _kernel_label(name, kernels[o], scale), shape="plaintext",
                             fixedsize="false", style="")  # fmt: skip
                ids.append(node_id)
        self.connect(ends, ids)
        return ids

    def rnn(self, prefix: str, index: int, s: Stage, ends: list[str]) -> list[str]:
        m = s.module
        nh, nin = len(m.w_ih), len(m.w_ih[0])
        known = s.shape_in[0] if s.shape_in is not None else None
        shown = self.steps if known is None else min(self.steps, known)
        title = f"layer {index} · RNN · {s.activation}"
        caption = f"{nin} → {nh} · {s.params} parameters, the same W_ih, W_hh and b at every step"
        loop = {"color": COLORS["border"], "fontcolor": COLORS["border"], "penwidth": "1.2"}
        with self.g.subgraph(name=f"cluster_{prefix}") as box:
            box.attr(label=_escape(title) + r"\n" + _escape(caption), style="rounded",
                     color="#868e96")  # fmt: skip
            previous = self.box(f"{prefix}_h0", f"h{_sub(0)}\n{nh} zeros", COLORS["constant"], box)
            for t in range(1, shown + 1):
                x = self.box(f"{prefix}_x{t}", f"x{_sub(t)}\n{nin} value{'s' * (nin != 1)}",
                             COLORS["leaf"], box)  # fmt: skip
                h = self.box(f"{prefix}_h{t}", f"h{_sub(t)}\n{nh} {s.activation} units",
                             COLORS["parameter"], box)  # fmt: skip
                self.g.edge(x, h, label="W_ih")
                self.g.edge(previous, h, label="W_hh", **loop)
                self.connect(ends, [x], style="dashed")
                previous = h
            if known is None or known > shown:
                more = "⋯ until h_T" if known is None else f"⋯ {known - shown} more steps"
                box.node(f"{prefix}_after", _escape(more), shape="plaintext", fixedsize="false",
                         style="")  # fmt: skip
                self.g.edge(previous, f"{prefix}_after", label="W_hh", style="dashed", **loop)
                previous = f"{prefix}_after"
        return [previous]


def _kernel_label(name: str, kernel: list[list[float]], scale: float) -> str:
    """A kernel as an HTML-like table: one cell per weight, red positive, blue negative."""
    import html

    k = len(kernel)
    head = f'<TR><TD COLSPAN="{k}" BORDER="0">{html.escape(name)}</TD></TR>'
    if k > MAX_GRID_SIDE:
        body = f'<TR><TD BORDER="0">{k}×{k} weights</TD></TR>'
        return f'<<TABLE BORDER="0" CELLSPACING="0">{head}{body}</TABLE>>'
    rows = []
    for row in kernel:
        cells = "".join(
            f'<TD BGCOLOR="{_weight_color(w, scale)}"><FONT POINT-SIZE="8">'
            f"{html.escape(number(round(w, 2)))}</FONT></TD>"
            for w in row
        )
        rows.append(f"<TR>{cells}</TR>")
    return f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0">{head}{"".join(rows)}</TABLE>>'


def _weight_color(w: float, scale: float) -> str:
    """White for 0, towards red for the largest positive weight, blue for the most negative."""
    t = 0.0 if scale == 0.0 or not math.isfinite(w) else min(abs(w) / scale, 1.0)
    fade = round(255 - 160 * t)
    return f"#ff{fade:02x}{fade:02x}" if w > 0 else f"#{fade:02x}{fade:02x}ff"
