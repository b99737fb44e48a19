"""Watch backward run: a notebook view that plays the backward pass one node at a time.

:func:`stepper` runs the backward pass step by step (the same steps as
``backward_steps()``) and draws one frame per step: the node being visited
is highlighted, the edges into its op carry ``local × upstream``, and every
box shows the gradient known so far. In Jupyter the frames come with a
slider and buttons; they are pre-rendered SVG in one self-contained piece of
HTML with a few lines of inline JavaScript, so no widget library or extra
server is needed (without JavaScript the frames are simply shown one under
another). ``save()`` writes the same view to an HTML file for a browser.

What it does to your graph: nothing visible. The pass runs like
``ag.gradients`` does, without adding to any ``.grad``, so calling
``backward()`` afterwards gives the usual result. Registered hooks do run,
as they would in ``backward()``, so the frames show what backward does.

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
import itertools
import os
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core import Value
from ..core.display import fmt
from ..core.graph import nodes
from ..core.steps import Step, walk
from .draw import INSTALL_HINT, _draw

if TYPE_CHECKING:
    import graphviz


@dataclass(frozen=True, repr=False)
class Frame:
    """One picture of the backward pass.

    Attributes:
        index: 0 before backward starts, then the step number.
        step: the :class:`~autograd_lite.debug.Step` just applied (None for frame 0).
        caption: one line saying what happened (``str(step)``).
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
        rankdir: str = "LR",
        max_nodes: int = 60,
        params: Iterable[Value] | None = None,
    ) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"stepper() needs a Value, got {type(root).__name__} {root!r}")
        size = sum(1 for _ in itertools.islice(nodes(root), max_nodes + 1))
        if size > max_nodes:
            raise ValueError(
                f"stepper() draws one frame per node, and this graph has more than "
                f"{max_nodes} nodes; step a smaller graph, or pass a larger max_nodes="
            )
        self.root = root
        self.steps: list[Step] = list(walk(root, write_grads=False, hooks=False))
        self._rendered: tuple[list[str], str] | None = None
        params = list(params or ())
        total = len(self.steps)
        start = f"Before backward: {total} nodes, visited next from the output back to the inputs"
        done: dict[Value, Any] = {}  # gradient for this pass, complete
        pending: dict[Value, Any] = {}  # sum of the contributions received so far

        def grad_text(v: Value) -> str:
            if v in done:
                return fmt(done[v])
            if v in pending:
                return f"{fmt(pending[v])} so far"
            return "?"

        def frame(index: int, step: Step | None, caption: str) -> Frame:
            notes = {}
            if step is not None:
                for i, (d, c) in enumerate(zip(step.local_grads, step.contributions)):
                    notes[(step.node, i)] = f"{fmt(d)} × {fmt(step.grad)} = {fmt(c)}"
            graph = _draw(root, rankdir=rankdir, max_nodes=max_nodes, params=params,
                          highlight=step.node if step else None, grad_text=grad_text,
                          notes=notes, title=caption)  # fmt: skip
            return Frame(index, step, caption, graph)

        self.frames: list[Frame] = [frame(0, None, start)]
        for step in self.steps:
            done[step.node] = step.grad
            pending.pop(step.node, None)
            for inp, c in zip(step.inputs, step.contributions):
                # The engine's own order of additions, so the sums match exactly.
                pending[inp] = pending[inp] + c if inp in pending else c
            self.frames.append(frame(step.index, step, str(step)))

    def __len__(self) -> int:
        return len(self.frames)

    def __repr__(self) -> str:
        return f"<BackwardStepper: {len(self.steps)} backward steps, {len(self.frames)} frames>"

    def __str__(self) -> str:
        return "\n".join(frame.caption for frame in self.frames)

    def _render(self) -> tuple[list[str], str]:
        """Each frame's picture as HTML, and a note shown under them ("" if none)."""
        if self._rendered is None:
            import graphviz

            graphs = [frame.graph for frame in self.frames]
            try:
                # One run of dot for every frame: it accepts many graphs at once.
                out = graphviz.pipe_string("dot", "svg", "".join(g.source for g in graphs),
                                           encoding="utf-8")  # fmt: skip
                pictures = re.findall(r"<svg\b.*?</svg>", out, flags=re.DOTALL)
                if len(pictures) != len(graphs):
                    raise graphviz.CalledProcessError(0, "dot", output=out)
                self._rendered = (pictures, "")
            except (graphviz.ExecutableNotFound, graphviz.CalledProcessError, OSError) as err:
                note = INSTALL_HINT
                if not isinstance(err, graphviz.ExecutableNotFound):
                    note = f"Graphviz's `dot` failed ({err}), so the frames are text."
                texts = [f"<pre>{html.escape(g.text)}</pre>" for g in graphs]
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
                f'<div class="ag-frame" style="overflow: auto">'
                f'<div style="margin: 4px 0"><code>{html.escape(frame.caption)}</code></div>'
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
    rankdir: str = "LR",
    max_nodes: int = 60,
    params: Iterable[Value] | None = None,
) -> BackwardStepper:
    """Play ``root``'s backward pass one step at a time in a notebook (a slider over frames).

    Frame 0 is the graph before backward; frame k shows it after step k:
    the node just visited highlighted, ``local × upstream`` on each edge it
    passes its gradient back along, and every gradient known so far ("so
    far" marks sums still waiting for more contributions, "?" nodes not
    reached yet). No ``.grad`` is changed; hooks run as in ``backward()``.

    Args:
        root: the output to run backward from.
        rankdir: Graphviz direction, as in :func:`draw_graph`.
        max_nodes: refuse graphs larger than this (one frame per node).
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
    return BackwardStepper(root, rankdir=rankdir, max_nodes=max_nodes, params=params)


_CONTROLS = """<div class="ag-controls" style="display: none; margin: 4px 0">
<button type="button" data-go="first" title="before backward">⏮</button>
<button type="button" data-go="prev" title="previous step">◀ back</button>
<button type="button" data-go="play" title="play or pause">play</button>
<button type="button" data-go="next" title="next step">next ▶</button>
<button type="button" data-go="last" title="after backward">⏭</button>
<input type="range" min="0" max="{last}" value="0" style="vertical-align: middle; width: 40%">
<span class="ag-position"></span>
</div>"""

# Shows one frame at a time. Until it runs, every frame is visible in order,
# so the view still reads top to bottom where scripts are not allowed.
_SCRIPT = """<script>
(function () {
  var root = document.getElementById("__UID__");
  if (!root) return;
  var frames = root.querySelectorAll(".ag-frame");
  var controls = root.querySelector(".ag-controls");
  var slider = controls.querySelector("input");
  var position = controls.querySelector(".ag-position");
  var play = controls.querySelector('[data-go="play"]');
  var last = frames.length - 1, current = 0, timer = null;
  function show(i) {
    current = Math.max(0, Math.min(last, i));
    for (var k = 0; k <= last; k++) frames[k].style.display = k === current ? "" : "none";
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
        if (current >= last) stop(); else show(current + 1);
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
