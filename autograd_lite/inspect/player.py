"""Watch backward run: a notebook view that plays the backward pass one node at a time.

:func:`stepper` takes the engine's own backward steps (the steps of
``backward_steps()``) and draws one frame per step: the node being visited
is highlighted, the edges into its op carry ``local × upstream`` (the
step's own contributions, never recomputed), and every box shows the
gradient known at that point: final, "so far" while more contributions are
still to come, or "?" before any arrived. Every frame is laid out once and
drawn with the same node positions, so nothing moves while it plays. In
Jupyter the frames come with a slider and buttons; they are pre-rendered
SVG in one self-contained piece of HTML with a few lines of inline
JavaScript, so no widget library or extra server is needed (without
JavaScript the frames are simply shown one under another). ``save()``
writes the same view to an HTML file for a browser.

What it does to your graph: nothing. The steps come from the core's
``walk(root, write_grads=False, hooks=False)``: no ``.grad`` changes and no
registered hook runs, so calling ``backward()`` afterwards gives the usual
result.

Example:
    >>> import autograd_lite as ag
    >>> x = ag.Value(2.0, label="x")
    >>> y = x * 3; y.label = "y"
    >>> view = ag.stepper(y)
    >>> len(view.frames), x.grad
    (4, 0.0)
    >>> print(view.frames[1].caption)
    [1/3] y = x*3.0, grad=1.0: x.grad += 3.0 × 1.0 = 3.0
"""

from __future__ import annotations

import html
import os
import re
import sys
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core import Value
from ..core.display import node_name
from ..core.steps import Step, walk
from .draw import (
    INSTALL_HINT,
    _check_count,
    _check_rankdir,
    _check_values,
    _draw,
    _fitting,
    _walk,
    fit_svg,
    layout_of,
    number,
    smallest_font,
)

if TYPE_CHECKING:
    import graphviz

#: A step whose node has more inputs than this gets a short caption of its own
#: (``str(step)`` lists every input).
CAPTION_INPUTS = 12


@dataclass(frozen=True, repr=False)
class Frame:
    """One picture of the backward pass.

    Attributes:
        index: 0 before backward starts, then the step number.
        step: the :class:`~autograd_lite.Step` just applied (None for frame 0).
        caption: one line saying what happened (``str(step)``; shorter for
            an op with many inputs, and never ``-0.0``).
        graph: the drawing (a ``graphviz.Digraph``; ``graph.text`` is its text form).

    Example:
        >>> import autograd_lite as ag
        >>> frame = ag.stepper(ag.Value(1.0, label="a").exp()).frames[0]
        >>> frame.index, frame.step is None
        (0, True)
    """

    index: int
    step: Step | None
    caption: str
    graph: graphviz.Digraph

    def __repr__(self) -> str:
        return f"<Frame {self.index}: {self.caption}>"


_NEGATIVE_ZERO = re.compile(r"(?<![\w.])-0\.0(?![\d.e])")


def _caption(step: Step) -> str:
    """``str(step)``, bounded for a wide node, and without ``-0.0``."""
    if len(step.inputs) <= CAPTION_INPUTS:
        text = str(step)
    else:
        text = (
            f"[{step.index}/{step.total}] {node_name(step.node)}, grad={number(step.grad)}: "
            f"passes local × grad back to each of its {len(step.inputs):,} inputs"
        )
    return _NEGATIVE_ZERO.sub("0.0", text)


def _uses(steps: list[Step]) -> dict[Value, int]:
    """How many contributions each node receives in the pass: one per (consumer, position)."""
    uses: dict[Value, int] = {}
    for step in steps:
        for inp in step.inputs:
            uses[inp] = uses.get(inp, 0) + 1
    return uses


class BackwardStepper:
    """The backward pass of ``root`` as frames to play in a notebook; made by :func:`stepper`.

    Attributes:
        root: the output whose backward pass is shown.
        steps: the backward steps, in order.
        frames: ``len(steps) + 1`` frames: the graph before backward, then
            one after each step.

    Example:
        >>> import autograd_lite as ag
        >>> a = ag.Value(3.0, label="a")
        >>> view = BackwardStepper(a * a)
        >>> len(view.steps), len(view.frames)
        (2, 3)
    """

    def __init__(
        self,
        root: Value,
        *,
        rankdir: str = "auto",
        max_nodes: int = 60,
        max_inputs: int = 40,
        params: Iterable[Value] | None = None,
    ) -> None:
        who = "stepper()"
        if not isinstance(root, Value):
            raise TypeError(f"{who} needs a Value, got {type(root).__name__} {root!r}")
        self._options: dict[str, Any] = {
            "rankdir": _check_rankdir(rankdir, who, auto=True),
            "max_nodes": _check_count(max_nodes, "max_nodes", 1, who),
            "max_inputs": _check_count(max_inputs, "max_inputs", 1, who),
            "params": _check_values(params, "params", who),
            "who": who,
        }
        # Every node counts here, drawn or not: each is a step, so a frame.
        _, hidden, _ = _walk(root, max_nodes, sys.maxsize, count_limit=1)
        if hidden:
            raise ValueError(
                f"{who} draws one frame per node, and this graph has more than "
                f"{max_nodes} nodes; step a smaller graph, or pass a larger max_nodes="
            )
        self.root = root
        self.steps: list[Step] = list(walk(root, write_grads=False, hooks=False))
        self._rendered: tuple[list[str], str] | None = None
        self._layout: Any = None
        total = len(self.steps)

        # A node's gradient is final once every consumer has passed its share
        # back: counted from the graph, not from the numbers.
        waiting = _uses(self.steps)
        received: dict[Value, Any] = {}  # each node's gradient so far, as the engine has it
        visited: dict[Value, Any] = {}  # the gradient each visited node passed on
        states: list[dict[Value, str]] = []
        notes: list[dict[tuple[Value, int], str]] = []

        def snapshot() -> dict[Value, str]:
            shown = {}
            for v, g in received.items():
                shown[v] = number(g) + (" so far" if waiting.get(v) else "")
            for v, g in visited.items():
                shown[v] = number(g)
            return shown

        states.append(snapshot())
        notes.append({})
        captions = [f"Before backward: {total} nodes, visited from the output back to the inputs"]
        for step in self.steps:
            visited[step.node] = step.grad
            note = {}
            edges = zip(step.inputs, step.local_grads, step.contributions, step.input_grads)
            for i, (inp, d, c, so_far) in enumerate(edges):
                received[inp] = so_far  # the engine's own running total, never re-added
                waiting[inp] -= 1
                if i < max_inputs:
                    note[(step.node, i)] = f"{number(d)} × {number(step.grad)} = {number(c)}"
            states.append(snapshot())
            notes.append(note)
            captions.append(_caption(step))
        self._states, self._notes = states, notes
        options, layout = self._fixed_layout()
        self.frames: list[Frame] = [
            Frame(i, self.steps[i - 1] if i else None, captions[i], self._frame(i, options, layout))
            for i in range(total + 1)
        ]

    def _frame(self, i: int, options: dict[str, Any], layout: Any) -> graphviz.Digraph:
        state = self._states[i]
        step = self.steps[i - 1] if i else None
        return _draw(
            self.root,
            highlight=step.node if step else None,
            grad_text=lambda v: state.get(v, "?"),
            notes=self._notes[i],
            layout=layout,
            **options,
        )

    def _fixed_layout(self) -> tuple[dict[str, Any], Any]:
        """One layout for every frame: each box as wide as its widest text in any frame.

        Returns the drawing options (with ``rankdir`` chosen) and the layout;
        without ``dot``, left to right and no layout (the frames are text).
        """
        import graphviz

        widest: dict[Value, str] = {}
        for state in self._states:
            for v, text in state.items():
                if len(text) > len(widest.get(v, "?")):
                    widest[v] = text
        every_note = {k: v for note in self._notes for k, v in note.items()}
        options = dict(self._options)

        def draw(rankdir: str) -> graphviz.Digraph:
            options["rankdir"] = rankdir
            return _draw(
                self.root, grad_text=lambda v: widest.get(v, "?"), notes=every_note, **options
            )

        if options["rankdir"] == "auto":
            union, layout = _fitting(draw)
            options["rankdir"] = union.graph_attr["rankdir"]
            return options, layout
        try:
            return options, layout_of(draw(options["rankdir"]).source)
        except (graphviz.ExecutableNotFound, graphviz.CalledProcessError, OSError):
            return options, None

    def __len__(self) -> int:
        return len(self.frames)

    def __repr__(self) -> str:
        return f"<BackwardStepper: {len(self.steps)} backward steps, {len(self.frames)} frames>"

    def __str__(self) -> str:
        return "\n".join(frame.caption for frame in self.frames)

    def _render(self) -> tuple[list[str], str]:
        """Each frame's picture as HTML, and a note shown under them ("" if none).

        ``dot`` lays the graph out once; ``neato -n2`` then draws every frame
        at exactly those positions, all frames in one run.
        """
        if self._rendered is None:
            import graphviz

            try:
                graphs = [frame.graph for frame in self.frames]
                fixed = graphs[0].neato_no_op
                out = graphviz.pipe_string("neato" if fixed else "dot", "svg",
                                           "".join(g.source for g in graphs),
                                           encoding="utf-8", neato_no_op=fixed)  # fmt: skip
                pictures = re.findall(r"<svg\b.*?</svg>", out, flags=re.DOTALL)
                if len(pictures) != len(graphs):
                    raise graphviz.CalledProcessError(0, "neato", output=out)
                # One scale for every frame, so that nothing moves between them.
                smallest = min(smallest_font(p) for p in pictures)
                self._rendered = ([fit_svg(p, font_pt=smallest) for p in pictures], "")
            except (graphviz.ExecutableNotFound, graphviz.CalledProcessError, OSError) as err:
                note = INSTALL_HINT
                if not isinstance(err, graphviz.ExecutableNotFound):
                    note = f"Graphviz's `dot` failed ({err}), so the frames are text."
                texts = [f"<pre>{html.escape(f.graph.text)}</pre>" for f in self.frames]
                self._rendered = (texts, note)
        return self._rendered

    def html(self) -> str:
        """The view as one self-contained piece of HTML (frames, slider, buttons, script).

        Example:
            >>> import autograd_lite as ag
            >>> page = ag.stepper(ag.Value(2.0, label="a").tanh()).html()
            >>> page.count('class="ag-frame"')
            3
        """
        pictures, note = self._render()
        uid = f"ag-stepper-{uuid.uuid4().hex[:12]}"
        parts = [
            f'<div id="{uid}" class="ag-stepper" style="font-family: sans-serif">',
            _CONTROLS.format(last=len(self.frames) - 1),
        ]
        for frame, picture in zip(self.frames, pictures):
            parts.append(
                f'<div class="ag-frame">'
                f'<div class="ag-caption" style="margin: 4px 0; overflow-wrap: anywhere">'
                f"<code>{html.escape(frame.caption)}</code></div>"
                f"{picture}</div>"
            )
        if note:
            parts.append(f"<p><em>{html.escape(note)}</em></p>")
        parts.append("</div>")
        parts.append(_SCRIPT.replace("__UID__", uid))
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return self.html()

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the view to an HTML file that opens in any browser.

        Example:
            >>> import autograd_lite as ag, os, tempfile
            >>> path = os.path.join(tempfile.mkdtemp(), "backward.html")
            >>> ag.stepper(ag.Value(2.0).exp()).save(path)
            >>> os.path.getsize(path) > 0
            True
        """
        page = (
            '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
            "<title>autograd_lite: backward, step by step</title></head>\n"
            f"<body>\n{self.html()}\n</body></html>\n"
        )
        with open(path, "w", encoding="utf-8") as f:
            f.write(page)


def stepper(
    root: Value,
    *,
    rankdir: str = "auto",
    max_nodes: int = 60,
    max_inputs: int = 40,
    params: Iterable[Value] | None = None,
) -> BackwardStepper:
    """Play ``root``'s backward pass one step at a time in a notebook (a slider over frames).

    Frame 0 is the graph before backward; frame k shows it after step k:
    the node just visited highlighted, ``local × upstream`` on each edge it
    passes its gradient back along, and every gradient known at that point
    ("so far" marks a sum still waiting for more contributions, "?" a node
    no contribution has reached yet). Every frame keeps every node in the
    same place. No ``.grad`` is changed.

    Args:
        root: the output to run backward from.
        rankdir: Graphviz direction, as in :func:`draw_graph`.
        max_nodes: refuse graphs larger than this (one frame per node).
        max_inputs: the most inputs to draw for one op, as in :func:`draw_graph`.
        params: leaves to colour as parameters.

    Returns:
        A :class:`BackwardStepper`: display it in Jupyter, ``.save(path)``
        it as HTML, or read its ``.frames`` and ``.steps``.

    Example:
        >>> import autograd_lite as ag
        >>> x = ag.Value(0.5, label="x")
        >>> view = ag.stepper((x * x).tanh())
        >>> len(view.frames) == len(list((x * x).tanh().backward_steps())) + 1
        True
    """
    return BackwardStepper(
        root, rankdir=rankdir, max_nodes=max_nodes, max_inputs=max_inputs, params=params
    )


_CONTROLS = """<div class="ag-controls" style="display: none; margin: 4px 0">
<button type="button" data-go="first" title="before backward">« first</button>
<button type="button" data-go="prev" title="previous step">&lt; back</button>
<button type="button" data-go="play" title="play or pause" style="min-width: 4.5em">play</button>
<button type="button" data-go="next" title="next step">next &gt;</button>
<button type="button" data-go="last" title="after backward">last »</button>
<input type="range" min="0" max="{last}" value="0" style="vertical-align: middle; width: 40%">
<span class="ag-position" style="display: inline-block; min-width: 10em"></span>
</div>"""

# Shows one frame at a time. Until it runs, every frame is visible in order
# under its caption, so the view still reads top to bottom where scripts are
# not allowed.
_SCRIPT = """<script>
(function () {
  var root = document.getElementById("__UID__");
  if (!root) return;
  var frames = root.querySelectorAll(".ag-frame");
  var captions = root.querySelectorAll(".ag-caption");
  var controls = root.querySelector(".ag-controls");
  var slider = controls.querySelector("input");
  var position = controls.querySelector(".ag-position");
  var play = controls.querySelector('[data-go="play"]');
  var last = frames.length - 1, current = 0, timer = null;
  // Every caption in one grid cell, above the pictures: the cell is as tall
  // as the tallest caption, so a caption that wraps never moves the picture.
  var board = document.createElement("div");
  board.className = "ag-captions";
  board.style.display = "grid";
  for (var k = 0; k <= last; k++) {
    captions[k].style.gridArea = "1 / 1";
    board.appendChild(captions[k]);
  }
  frames[0].parentNode.insertBefore(board, frames[0]);
  function show(i) {
    current = Math.max(0, Math.min(last, i));
    for (var k = 0; k <= last; k++) {
      frames[k].style.display = k === current ? "" : "none";
      captions[k].style.visibility = k === current ? "visible" : "hidden";
    }
    slider.value = current;
    position.textContent = current === 0 ? "before backward" : "step " + current + " of " + last;
  }
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; play.textContent = "play"; }
  }
  controls.addEventListener("click", function (event) {
    var go = event.target.getAttribute("data-go");
    if (!go) return;
    if (go === "play") {
      if (timer !== null) { stop(); return; }
      if (current === last) show(0);
      play.textContent = "pause";
      timer = setInterval(function () {
        show(current + 1);
        if (current >= last) stop();
      }, 900);
      return;
    }
    stop();
    show({first: 0, prev: current - 1, next: current + 1, last: last}[go]);
  });
  slider.addEventListener("input", function () { stop(); show(parseInt(slider.value, 10)); });
  controls.style.display = "";
  show(0);
})();
</script>"""
