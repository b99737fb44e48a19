"""The notebook stepper: one frame per backward step, gradients so far, HTML that plays."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap

import pytest
from work import calls_made

import autograd_lite as ag
from autograd_lite import Value
from autograd_lite.core.display import fmt
from autograd_lite.core.graph import topological_order
from autograd_lite.inspect.draw import COLORS, INSTALL_HINT

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot not installed")


def neuron() -> Value:
    x, w = Value(2.0, label="x"), Value(-1.5, label="w")
    b = Value(0.5, label="b")
    y = (x * w + b).tanh() * x  # x is used twice
    y.label = "y"
    return y


def shared() -> Value:
    a = Value(0.3, label="a")
    h = a.exp()
    return h * h + h * a


@pytest.mark.parametrize("build", [neuron, shared, lambda: Value(1.0, label="alone")])
def test_one_frame_per_backward_step_plus_the_start(build) -> None:
    y = build()
    view = ag.stepper(y)
    steps = list(build().backward_steps())
    assert len(view.steps) == len(steps)
    assert len(view.frames) == len(steps) + 1 == len(view)
    assert [f.index for f in view.frames] == list(range(len(steps) + 1))
    assert view.frames[0].step is None
    assert [f.step for f in view.frames[1:]] == view.steps


def test_captions_are_the_steps_as_text() -> None:
    view = ag.stepper(neuron())
    assert view.frames[0].caption.startswith("Before backward")
    assert [f.caption for f in view.frames[1:]] == [str(s) for s in view.steps]
    assert str(view).splitlines()[1] == str(view.steps[0])


def test_each_frame_highlights_the_node_of_its_step_only() -> None:
    view = ag.stepper(neuron())
    assert COLORS["highlight"] not in view.frames[0].graph.source
    for frame in view.frames[1:]:
        assert frame.graph.source.count(COLORS["highlight"]) == 1
        marked = [ln for ln in frame.graph.text.splitlines() if ln.startswith("▶")]
        assert len(marked) == 1
    assert view.frames[1].graph.text.splitlines()[0].startswith("▶  #0  y")


def test_edges_of_the_current_step_show_local_times_upstream() -> None:
    x = Value(2.0, label="x")
    y = x * 5
    src = ag.stepper(y).frames[1].graph.source
    assert 'v1 -> v0_op [label="5.0 × 1.0 = 5.0"' in src
    assert COLORS["border"] in src


def test_frames_fill_in_gradients_as_backward_reaches_them() -> None:
    x = Value(2.0, label="x")
    h = x * 3
    y = h.exp() + h  # h gets two contributions
    view = ag.stepper(y)
    texts = [f.graph.text for f in view.frames]
    assert "grad ?" in texts[0] and "so far" not in texts[0]
    # After step 1 (the +), h has received one of its two contributions.
    assert re.search(r"= \*\(#\d, 3\.0\)\s+data 6\.0\s+grad 1\.0 so far", texts[1])
    last = texts[-1]
    assert "?" not in last and "so far" not in last
    y.backward()
    for v in topological_order(y):
        if v.label:
            assert f"grad {fmt(v.grad)}" in last


def test_final_frame_shows_exactly_what_backward_gives() -> None:
    y = neuron()
    view = ag.stepper(y)
    y.backward()
    final = {s.node: s.grad for s in view.steps}
    assert all(final[v] == v.grad for v in topological_order(y))


def test_stepper_leaves_grad_untouched() -> None:
    y = shared()
    y.backward()
    before = [v.grad for v in topological_order(y)]
    ag.stepper(y)
    assert [v.grad for v in topological_order(y)] == before


def test_stepper_refuses_graphs_too_big_to_play() -> None:
    x = Value(1.0)
    y = x
    for _ in range(100):
        y = y.sin()
    with pytest.raises(ValueError, match="more than 60 nodes"):
        ag.stepper(y)
    assert len(ag.stepper(y, max_nodes=101).frames) == 102


def test_stepper_needs_a_value() -> None:
    with pytest.raises(TypeError, match="needs a Value"):
        ag.stepper(2.0)  # type: ignore[arg-type]


# --- HTML -------------------------------------------------------------------


@needs_dot
def test_html_embeds_one_svg_per_frame_with_controls_and_a_script() -> None:
    view = ag.stepper(neuron())
    page = view._repr_html_()
    n = len(view.frames)
    assert page.count('class="ag-frame"') == n
    assert page.count("<svg") == n and "<?xml" not in page
    assert f'max="{n - 1}"' in page and 'type="range"' in page
    assert "<script>" in page and 'data-go="next"' in page
    assert "https://" not in page.replace("http://www.w3.org", "")  # self-contained


def test_each_display_gets_its_own_element_id() -> None:
    view = ag.stepper(Value(1.0).exp())
    ids = {re.search(r'id="(ag-stepper-\w+)"', view.html()).group(1) for _ in range(2)}
    assert len(ids) == 2


def test_save_writes_a_standalone_page(tmp_path) -> None:
    path = tmp_path / "backward.html"
    view = ag.stepper(neuron())
    view.save(path)
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'charset="utf-8"' in page
    assert page.count('class="ag-frame"') == len(view.frames) == 8


FAKE_DOM = textwrap.dedent(
    """
    // Just enough DOM to run the stepper's script and press its buttons.
    const n = Number(process.argv[2]);
    const board = {children: [], appendChild(c) { this.children.push(c); }, style: {}};
    const parent = {inserted: null, insertBefore(node, before) { this.inserted = node; }};
    const frames = Array.from({length: n}, () => ({style: {display: ""}, parentNode: parent}));
    const captions = Array.from({length: n}, () => ({style: {}}));
    const handlers = {};
    const el = (props) => Object.assign({
      style: {}, textContent: "",
      addEventListener(type, fn) { handlers[(props.name || "") + type] = fn; },
    }, props);
    const slider = el({name: "slider", value: "0"});
    const position = el({}), play = el({textContent: "play"});
    const controls = el({name: "controls", style: {display: "none"}, querySelector: (s) =>
      s === "input" ? slider : s === ".ag-position" ? position : play});
    const root = {
      querySelectorAll: (s) => (s === ".ag-frame" ? frames : captions),
      querySelector: () => controls,
    };
    global.document = {getElementById: () => root, createElement: () => board};
    const shown = () => {
      const f = frames.map((f) => (f.style.display === "none" ? 0 : 1)).join("");
      const c = captions.map((c) => (c.style.visibility === "hidden" ? 0 : 1)).join("");
      if (f !== c) throw new Error(`frame ${f} shown under caption ${c}`);
      return f;
    };
    const press = (go) => handlers.controlsclick({target: {getAttribute: () => go}});
    const log = [];
    eval(require("fs").readFileSync(0, "utf8"));
    log.push([shown(), position.textContent, controls.style.display]);
    press("next"); press("next"); log.push([shown(), position.textContent]);
    press("prev"); log.push([shown(), String(slider.value)]);
    press("last"); log.push([shown(), position.textContent]);
    press("next"); log.push([shown()]);
    slider.value = "2"; handlers.sliderinput(); log.push([shown()]);
    press("first"); log.push([shown(), position.textContent]);
    log.push([board.children.length, parent.inserted === board, board.style.display]);
    console.log(JSON.stringify(log));
    """
)


@pytest.mark.skipif(shutil.which("node") is None, reason="node.js not installed")
def test_the_script_shows_one_frame_at_a_time_and_the_buttons_move(tmp_path) -> None:
    view = ag.stepper(Value(2.0, label="x").exp().sin())  # 3 steps, 4 frames
    script = re.search(r"<script>(.*)</script>", view.html(), flags=re.DOTALL).group(1)
    driver = tmp_path / "driver.js"
    driver.write_text(FAKE_DOM)
    run = subprocess.run(
        ["node", str(driver), "4"], input=script, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == [
        ["1000", "before backward", ""],
        ["0010", "step 2 of 3"],
        ["0100", "1"],
        ["0001", "step 3 of 3"],
        ["0001"],
        ["0010"],
        ["1000", "before backward"],
        [4, True, "grid"],  # the captions share one cell above the pictures
    ]


NO_DOT_SCRIPT = textwrap.dedent(
    """
    import json, shutil
    import autograd_lite as ag
    assert shutil.which("dot") is None
    x = ag.Value(2.0, label="x")
    y = (x * 3).tanh(); y.label = "y"
    view = ag.stepper(y)
    print(json.dumps({"html": view._repr_html_(), "frames": len(view.frames)}))
    """
)


def test_without_dot_the_frames_are_text_with_an_install_hint(tmp_path) -> None:
    env = dict(os.environ, PATH=str(tmp_path))
    run = subprocess.run(
        [sys.executable, "-c", NO_DOT_SCRIPT], env=env, capture_output=True, text=True
    )
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    out = json.loads(run.stdout)
    page = out["html"]
    assert out["frames"] == 5
    assert page.count('class="ag-frame"') == 5 and page.count("<pre>") == 5
    assert "<svg" not in page
    assert html.escape(INSTALL_HINT) in page
    assert "▶  #0  y" in page


# --- what the frames say ----------------------------------------------------------


def readme_neuron() -> tuple[Value, dict[str, Value]]:
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.5, label="b")
    n = x * w + b
    n.label = "n"
    y = n.tanh()
    y.label = "y"
    return y, {"x": x, "w": w, "b": b, "n": n}


def grad_cell(text: str, label: str) -> str:
    """The gradient shown for the node labelled ``label`` in a frame's text."""
    line = next(ln for ln in text.splitlines() if re.search(rf"#\d+\s+{label}\s", ln))
    return line.split("grad ", 1)[1]


def test_a_node_used_once_is_never_so_far() -> None:
    y, _ = readme_neuron()
    view = ag.stepper(y)
    for frame in view.frames:
        assert "so far" not in frame.graph.text  # every node here has one consumer
    assert grad_cell(view.frames[2].graph.text, "b") == "0.7864"


def test_so_far_only_while_more_contributions_are_to_come() -> None:
    x = Value(2.0, label="x")
    h = (x * 3).exp()
    h.label = "h"
    y = h * x  # x receives from * (h*x) and from * (x*3): two contributions
    y.label = "y"
    view = ag.stepper(y)
    shown = [grad_cell(f.graph.text, "x") for f in view.frames]
    assert shown[0] == "?"
    assert shown[1].endswith(" so far")  # h*x passed its share; x*3 has not yet
    first_final = next(i for i, s in enumerate(shown) if i and not s.endswith("so far"))
    x_times_3 = next(i for i, s in enumerate(view.steps, 1) if s.node.op == "*" and i > 1)
    assert first_final == x_times_3  # final exactly when its last consumer is visited
    y.backward()
    assert shown[-1] == fmt(x.grad)


def test_the_shown_sums_are_the_engines_contributions_added_in_order() -> None:
    y = shared()
    view = ag.stepper(y)
    y.backward()
    last = view.frames[-1].graph.text
    for step in view.steps:
        if step.node.label:
            assert grad_cell(last, step.node.label) == fmt(step.node.grad)


def test_negative_zero_never_shows() -> None:
    x = Value(2.0, label="x")
    y = (x * -1.0).relu() * 3  # relu's slope 0 times a negative: -0.0 along the way
    y.label = "y"
    view = ag.stepper(y)
    assert any(str(c) == "-0.0" for s in view.steps for c in s.contributions)
    for frame in view.frames:
        assert "-0.0" not in frame.caption and "-0.0" not in frame.graph.text
        assert "-0.0" not in frame.graph.source


def test_one_caption_per_frame() -> None:
    view = ag.stepper(readme_neuron()[0])
    for frame in view.frames:
        assert frame.caption not in frame.graph.source
        assert frame.caption not in frame.graph.text
    if shutil.which("dot"):
        page = view.html()
        for frame in view.frames[1:]:
            assert page.count(html.escape(frame.caption)) == 1


def test_buttons_use_only_characters_every_font_has() -> None:
    page = ag.stepper(Value(1.0).exp()).html()
    controls = re.search(r'<div class="ag-controls".*?</div>', page, flags=re.DOTALL).group(0)
    labels = re.findall(r"<button[^>]*>([^<]*)</button>", controls)
    assert len(labels) == 5
    assert all(ord(ch) < 0x100 for label in labels for ch in html.unescape(label)), labels


def test_a_wide_node_gives_a_bounded_caption_and_picture() -> None:
    x = Value(1.0, label="x")
    view = ag.stepper(ag.sum([x] * 100_000))
    assert len(view.frames) == 3
    assert len(view.frames[1].caption) < 200 and "100,000 inputs" in view.frames[1].caption
    assert len(view.frames[1].graph.source) < 20_000
    assert "… 99,960 more inputs" in view.frames[1].graph.source


@pytest.mark.parametrize(
    ("kwargs", "error", "named"),
    [
        ({"rankdir": "xx"}, ValueError, "rankdir"),
        ({"max_nodes": 0}, ValueError, "max_nodes"),
        ({"max_nodes": "60"}, TypeError, "max_nodes"),
        ({"max_inputs": -1}, ValueError, "max_inputs"),
        ({"params": "w"}, TypeError, "params"),
    ],
)
def test_stepper_rejects_a_bad_argument_naming_it(kwargs, error, named) -> None:
    with pytest.raises(error, match=named):
        ag.stepper(neuron(), **kwargs)


# --- nothing moves between frames ---------------------------------------------------


def positions(source: str) -> list[str]:
    return re.findall(r'\bpos="([^"]+)"', source)


@needs_dot
@pytest.mark.parametrize("build", [neuron, shared, readme_neuron])
def test_every_frame_has_the_same_layout(build) -> None:
    y = build()
    y = y[0] if isinstance(y, tuple) else y
    view = ag.stepper(y)
    pinned = [positions(f.graph.source) for f in view.frames]
    assert pinned[0] and all(p == pinned[0] for p in pinned)
    assert all("fixedsize=true" in f.graph.source for f in view.frames)


@needs_dot
def test_rendered_frames_put_every_box_at_the_same_place_and_size() -> None:
    view = ag.stepper(readme_neuron()[0])
    page = view.html()
    svgs = re.findall(r"<svg\b.*?</svg>", page, flags=re.DOTALL)
    assert len(svgs) == len(view.frames)
    polygon = r'<polygon fill="[^"]*" stroke="[^"]*"[^>]*points="([^"]+)"'
    boxes = [re.findall(polygon, s) for s in svgs]
    assert all(b == boxes[0] for b in boxes)
    sizes = {re.search(r'style="([^"]+)"', s).group(1) for s in svgs}
    assert len(sizes) == 1  # the same size in the page too


def test_nodes_past_the_drawn_fan_in_still_count_towards_max_nodes() -> None:
    xs = [Value(float(i)) * 2 for i in range(40)]  # 40 products, 80 leaves and constants
    y = ag.sum(xs)
    with pytest.raises(ValueError, match="more than 60 nodes"):
        ag.stepper(y, max_inputs=5)


def test_a_refused_graph_is_refused_quickly() -> None:
    x = Value(1.0)
    y = ag.sum([x * 1.0 for _ in range(200_000)])

    def refused() -> None:
        with pytest.raises(ValueError, match="more than 60 nodes"):
            ag.stepper(y)

    _, calls = calls_made(refused)
    assert calls < 50_000  # it stopped counting at the limit: the graph has 400,001 nodes


@needs_dot
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_a_chosen_direction_is_kept_and_laid_out_once(rankdir: str) -> None:
    view = ag.stepper(neuron(), rankdir=rankdir)
    assert all(f"rankdir={rankdir}" in f.graph.source for f in view.frames)
    pinned = [positions(f.graph.source) for f in view.frames]
    assert pinned[0] and all(p == pinned[0] for p in pinned)
    svg = view.frames[3].graph._repr_mimebundle_()["image/svg+xml"]  # one frame on its own
    assert "<svg" in svg and "so far" in view.frames[3].graph.source


@needs_dot
def test_auto_direction_fits_the_notebook_where_it_can() -> None:
    from autograd_lite.inspect.draw import FIT_WIDTH_PT

    view = ag.stepper(readme_neuron()[0])
    svg = view.frames[0].graph._repr_mimebundle_()["image/svg+xml"]
    width_pt = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
    assert width_pt <= FIT_WIDTH_PT + 8  # Graphviz adds a 4 pt margin each side


def test_stepper_runs_no_hook() -> None:
    x = Value(2.0, label="x")
    y = (x * x).exp()
    calls: list[float] = []
    x.register_hook(calls.append)
    y.register_hook(lambda g: calls.append(g) or g * 100)  # would change every number
    view = ag.stepper(y)
    assert calls == []
    y.backward()
    assert view.steps[-1].grad == x.grad / 100  # the hook-free pass
