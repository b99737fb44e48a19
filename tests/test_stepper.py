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
    const frames = Array.from({length: n}, () => ({style: {display: ""}}));
    const handlers = {};
    const el = (props) => Object.assign({
      style: {}, textContent: "",
      addEventListener(type, fn) { handlers[(props.name || "") + type] = fn; },
    }, props);
    const slider = el({name: "slider", value: "0"});
    const position = el({}), play = el({textContent: "play"});
    const controls = el({name: "controls", style: {display: "none"}, querySelector: (s) =>
      s === "input" ? slider : s === ".ag-position" ? position : play});
    const root = {querySelectorAll: () => frames, querySelector: () => controls};
    global.document = {getElementById: () => root};
    const shown = () => frames.map((f) => (f.style.display === "none" ? 0 : 1)).join("");
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
