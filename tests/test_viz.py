"""draw_graph and draw_model: DOT contents, rendering, the no-dot fallback, huge graphs."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import pytest
from work import calls_made

import autograd_lite as ag
from autograd_lite import Value, nn
from autograd_lite.core.display import fmt
from autograd_lite.inspect.draw import COLORS, INSTALL_HINT

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot not installed")


def neuron() -> tuple[Value, dict[str, Value]]:
    x = Value(2.0, label="x")
    w = Value(-3.0, label="w")
    b = Value(6.5, label="b")
    n = x * w + b
    n.label = "n"
    y = n.tanh()
    y.label = "y"
    return y, {"x": x, "w": w, "b": b, "n": n, "y": y}


def node_line(source: str, node_id: str) -> str:
    """The DOT line declaring ``node_id``."""
    (line,) = [ln for ln in source.splitlines() if ln.strip().startswith(f"{node_id} [")]
    return line


# --- DOT source -------------------------------------------------------------


def test_each_value_is_a_record_with_label_data_and_grad() -> None:
    y, v = neuron()
    y.backward()
    src = ag.draw_graph(y, rankdir="LR").source
    assert '"y | data 0.4621 | grad 1.0"' in src
    assert f'"x | data 2.0 | grad {fmt(v["x"].grad)}"' in src
    assert '"n | data 0.5 | grad 0.7864"' in src
    assert '"data -6.0 | grad 0.7864"' in src  # the unlabelled x*w
    assert src.count("shape=record") == 6


def test_each_operation_is_an_ellipse_between_its_inputs_and_its_result() -> None:
    y, _ = neuron()
    src = ag.draw_graph(y).source
    for op in ("tanh", "+", "*"):
        assert re.search(rf'label="?{re.escape(op)}"? .*shape=ellipse', src), op
    # Ids are breadth first from the output: v0 = y, v1 = n, v2 = x*w, v3 = b, v4 = x, v5 = w.
    assert "v0_op -> v0" in src and "v1 -> v0_op" in src
    assert "v2 -> v1_op" in src and "v3 -> v1_op" in src
    assert "v4 -> v2_op" in src and "v5 -> v2_op" in src


def test_output_leaves_parameters_and_intermediates_have_their_own_colours() -> None:
    y, v = neuron()
    src = ag.draw_graph(y, params=[v["w"], v["b"]]).source
    assert COLORS["output"] in node_line(src, "v0")
    assert COLORS["intermediate"] in node_line(src, "v1")
    assert COLORS["parameter"] in node_line(src, "v3")  # b
    assert COLORS["leaf"] in node_line(src, "v4")  # x
    assert COLORS["parameter"] in node_line(src, "v5")  # w
    assert len({COLORS[k] for k in ("output", "leaf", "parameter", "intermediate")}) == 4


def test_constants_are_small_grey_boxes_showing_only_their_value() -> None:
    x = Value(2.0, label="x")
    src = ag.draw_graph(x * 3.5).source
    line = node_line(src, "v2")
    assert "label=3.5" in line and COLORS["constant"] in line and "shape=box" in line
    assert "data" not in line and "grad" not in line


def test_highlight_marks_the_given_nodes() -> None:
    y, v = neuron()
    src = ag.draw_graph(y, highlight=[v["n"], v["x"]]).source
    marked = [ln for ln in src.splitlines() if COLORS["highlight"] in ln]
    assert len(marked) == 2 and all("penwidth=3" in ln for ln in marked)
    assert ag.draw_graph(y, highlight=v["n"]).source.count(COLORS["highlight"]) == 1


def test_show_grad_false_leaves_gradients_out() -> None:
    y, _ = neuron()
    src = ag.draw_graph(y, show_grad=False).source
    assert "grad" not in src and "data 2.0" in src


def test_show_local_labels_edges_with_local_derivatives() -> None:
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    src = ag.draw_graph(x * w, show_local=True).source
    assert 'v1 -> v0_op [label="∂ -3.0"]' in src
    assert 'v2 -> v0_op [label="∂ 2.0"]' in src


def test_fields_stack_top_to_bottom_whichever_way_the_graph_runs() -> None:
    y, _ = neuron()
    # A record's fields run across the rank direction; braces turn them.
    src = ag.draw_graph(y, rankdir="TB").source
    assert "rankdir=TB" in src and '"{ y | data' in src
    src = ag.draw_graph(y, rankdir="LR").source
    assert "rankdir=LR" in src and '"y | data' in src and "{ y" not in src


def test_special_characters_in_labels_are_escaped() -> None:
    x = Value(1.0, label="{a|b} <c>")
    src = ag.draw_graph(x * 2).source
    assert r"\{a\|b\} \<c\>" in src


def test_same_program_gives_the_same_dot_text() -> None:
    assert ag.draw_graph(neuron()[0]).source == ag.draw_graph(neuron()[0]).source


def test_node_ids_do_not_depend_on_memory_addresses() -> None:
    y, _ = neuron()
    src = ag.draw_graph(y).source
    assert str(id(y)) not in src
    ids = re.findall(r"^\s*(v\w+) \[", src, flags=re.M)
    assert ids == ["v0", "v0_op", "v1", "v1_op", "v2", "v2_op", "v3", "v4", "v5"]


def test_a_node_used_twice_has_two_edges_into_the_op() -> None:
    x = Value(3.0, label="x")
    assert ag.draw_graph(x * x).source.count("v1 -> v0_op") == 2


def test_arguments_are_checked() -> None:
    with pytest.raises(TypeError, match="needs a Value"):
        ag.draw_graph(3.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_nodes"):
        ag.draw_graph(Value(1.0), max_nodes=0)
    with pytest.raises(ValueError, match="rankdir"):
        ag.draw_graph(Value(1.0), rankdir="sideways")


# --- node limit ------------------------------------------------------------


def test_past_max_nodes_a_marker_counts_what_was_not_drawn() -> None:
    x = Value(1.0, label="x")
    y = x
    for _ in range(60):
        y = y.sin()
    g = ag.draw_graph(y, max_nodes=50)
    src = g.source
    assert "… 11 more nodes not drawn (max_nodes=50)" in src
    assert src.count("shape=record") == 50
    assert "more -> v49_op [style=dashed]" in src
    assert "… 11 more nodes not drawn" in g.text


def test_a_million_deep_chain_draws_at_once_without_recursion() -> None:
    x = Value(0.5, label="x")
    y = x
    for _ in range(1_000_000):
        y = y.identity()
    g, calls = calls_made(lambda: ag.draw_graph(y, max_nodes=50))
    # It stopped counting at 100,000 nodes: a walk over the whole chain makes millions.
    assert calls < 1_000_000
    assert "… 100,000+ more nodes not drawn" in g.source
    assert g.source.count("shape=record") == 50


# --- rendering ---------------------------------------------------------------


@needs_dot
def test_renders_as_svg_for_jupyter() -> None:
    y, _ = neuron()
    bundle = ag.draw_graph(y)._repr_mimebundle_()
    svg = bundle["image/svg+xml"]
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "tanh" in svg and "data 2.0" in svg


@needs_dot
def test_drawing_is_a_graphviz_digraph_that_pipes() -> None:
    import graphviz

    g = ag.draw_graph(neuron()[0])
    assert isinstance(g, graphviz.Digraph)
    assert g.pipe(format="svg").startswith(b"<?xml")


def test_repr_is_a_readable_text_rendering() -> None:
    y, _ = neuron()
    y.backward()
    text = repr(ag.draw_graph(y))
    first = "#0  y  = tanh(#1)   data 0.4621  grad 1.0"
    assert text.splitlines()[0] == first
    assert "#4  x  leaf" in text and "= *(#4, #5)" in text


NO_DOT_SCRIPT = textwrap.dedent(
    """
    import json, shutil
    import autograd_lite as ag
    from autograd_lite import nn
    assert shutil.which("dot") is None
    x = ag.Value(2.0, label="x"); w = ag.Value(-3.0, label="w")
    y = (x * w).tanh(); y.label = "y"; y.backward()
    g = ag.draw_graph(y)
    bundle = g._repr_mimebundle_()
    shown = {}
    try:
        from IPython.core.formatters import DisplayFormatter
    except ImportError:
        pass
    else:
        shown = DisplayFormatter().format(g)[0]
    model = ag.draw_model(nn.MLP(2, [3, 1], seed=0))._repr_mimebundle_()
    print(json.dumps({"bundle": bundle, "shown": shown, "source": g.source, "model": model}))
    """
)


def test_without_dot_jupyter_gets_text_and_an_install_hint_not_a_traceback(tmp_path) -> None:
    env = dict(os.environ, PATH=str(tmp_path))  # an empty directory: no dot anywhere
    run = subprocess.run(
        [sys.executable, "-c", NO_DOT_SCRIPT], env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    out = json.loads(run.stdout)
    bundle = out["bundle"]
    assert "image/svg+xml" not in bundle
    assert INSTALL_HINT in bundle["text/plain"] and "tanh(#1)" in bundle["text/plain"]
    assert "<pre>" in bundle["text/html"] and "apt install graphviz" in bundle["text/html"]
    assert "y  = tanh(#1)" in bundle["text/html"]
    if out["shown"]:  # what IPython would display
        assert "apt install graphviz" in out["shown"]["text/html"]
    assert out["source"].startswith("digraph {") and "tanh" in out["source"]
    assert "13 parameters" in out["model"]["text/plain"]


def test_import_does_not_load_graphviz() -> None:
    code = "import sys, autograd_lite; print('graphviz' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.stdout.strip() == "False", run.stderr


# --- draw_model --------------------------------------------------------------


def test_draw_model_shows_layers_neurons_and_parameter_counts() -> None:
    g = ag.draw_model(nn.MLP(2, [16, 16, 1], seed=0))
    lines = g.text.splitlines()
    assert lines[0] == "MLP: 2 inputs → 16 relu → 16 relu → 1 linear, 337 parameters"
    assert "layer 1  16 neurons, relu, 48 parameters (16 × (2 weights + 1 bias))" in g.text
    assert "layer 3  1 neuron, linear, 17 parameters (1 × (16 weights + 1 bias))" in g.text
    src = g.source
    assert "layer 2 · relu" in src and "16 neurons · 272 parameters" in src
    assert "337 parameters" in src
    assert src.count("subgraph cluster_") == 4  # inputs + 3 layers


def test_draw_model_elides_wide_layers() -> None:
    src = ag.draw_model(nn.MLP(3, [64, 2], seed=0), max_neurons=8).source
    assert "57 more" in src
    assert len(re.findall(r"\bL1_\d+ \[", src)) == 7  # 6 first + the last
    # fully connected between drawn neurons: 3 inputs x 7 + 7 x 2
    assert src.count(" -> ") == 3 * 7 + 7 * 2


def test_draw_model_accepts_a_layer_a_neuron_and_anything_shaped_like_them() -> None:
    assert "1 inputs → 3 tanh" in ag.draw_model(nn.Layer(1, 3, activation="tanh")).text
    assert "4 inputs → 1 relu" in ag.draw_model(nn.Neuron(4)).text
    fake_neuron = SimpleNamespace(w=[Value(1.0), Value(2.0)], b=Value(0.0))
    fake = SimpleNamespace(layers=[SimpleNamespace(neurons=[fake_neuron], activation="sigmoid")])
    assert "2 inputs → 1 sigmoid, 3 parameters" in ag.draw_model(fake).text


def test_draw_model_rejects_other_objects() -> None:
    with pytest.raises(TypeError, match="MLP, Layer or Neuron"):
        ag.draw_model(object())


@needs_dot
def test_draw_model_renders() -> None:
    svg = ag.draw_model(nn.MLP(2, [4, 1], seed=0))._repr_mimebundle_()["image/svg+xml"]
    assert "<svg" in svg and "17 parameters" in svg


def test_a_wide_node_past_the_limit_gets_one_dashed_edge_from_the_marker() -> None:
    xs = [Value(float(i)) for i in range(30)]
    src = ag.draw_graph(ag.sum(xs), max_nodes=10, rankdir="LR").source
    assert src.count("more -> v0_op") == 1
    assert 'more -> v0_op [label="21 inputs" style=dashed]' in src


# --- every argument checked, the error naming it ------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "named"),
    [
        ({"highlight": "abc"}, TypeError, "highlight"),
        ({"highlight": [1.0]}, TypeError, "highlight"),
        ({"highlight": 3}, TypeError, "highlight"),
        ({"params": "w"}, TypeError, "params"),
        ({"params": [Value(1.0), None]}, TypeError, "params"),
        ({"rankdir": "xx"}, ValueError, "rankdir"),
        ({"rankdir": 3}, TypeError, "rankdir"),
        ({"max_nodes": 0}, ValueError, "max_nodes"),
        ({"max_nodes": -5}, ValueError, "max_nodes"),
        ({"max_nodes": 2.5}, TypeError, "max_nodes"),
        ({"max_nodes": True}, TypeError, "max_nodes"),
        ({"max_nodes": "500"}, TypeError, "max_nodes"),
        ({"max_inputs": 0}, ValueError, "max_inputs"),
        ({"max_inputs": None}, TypeError, "max_inputs"),
        ({"show_grad": "yes"}, TypeError, "show_grad"),
        ({"show_local": 1}, TypeError, "show_local"),
    ],
)
def test_draw_graph_rejects_a_bad_argument_naming_it(kwargs, error, named) -> None:
    with pytest.raises(error, match=named) as raised:
        ag.draw_graph(neuron()[0], **kwargs)
    bad = next(iter(kwargs.values()))
    if isinstance(bad, list):  # the message names the offending item
        bad = next(item for item in bad if not isinstance(item, Value))
    assert repr(bad) in str(raised.value)


def test_numpy_integers_are_accepted_as_counts() -> None:
    import numpy as np

    g = ag.draw_graph(neuron()[0], max_nodes=np.int64(3), max_inputs=np.int32(2), rankdir="LR")
    assert g.source.count("shape=record") == 3


@pytest.mark.parametrize(
    ("kwargs", "error", "named"),
    [
        ({"rankdir": "xx"}, ValueError, "rankdir"),
        ({"rankdir": None}, TypeError, "rankdir"),
        ({"max_neurons": 2}, ValueError, "max_neurons"),
        ({"max_neurons": "8"}, TypeError, "max_neurons"),
        ({"max_neurons": 8.0}, TypeError, "max_neurons"),
    ],
)
def test_draw_model_rejects_a_bad_argument_naming_it(kwargs, error, named) -> None:
    with pytest.raises(error, match=named):
        ag.draw_model(nn.MLP(2, [3, 1], seed=0), **kwargs)


# --- bounded whatever the fan-in -------------------------------------------------


def test_a_wide_op_shows_its_first_inputs_and_counts_the_rest() -> None:
    xs = [Value(float(i), label=f"x{i}") for i in range(100)]
    g = ag.draw_graph(ag.sum(xs), max_inputs=5, rankdir="LR")
    assert g.source.count("shape=record") == 6  # the sum and its first 5 inputs
    assert "… 95 more inputs" in g.source
    assert "v0_op_rest -> v0_op [style=dashed]" in g.source
    assert "= sum(#1, #2, #3, #4, #5, … 95 more)" in g.text


def test_a_sum_of_a_million_terms_draws_in_bounded_time_and_memory() -> None:
    import tracemalloc

    xs = [Value(float(i)) for i in range(1_000_000)]
    total = ag.sum(xs)
    tracemalloc.start()
    g, calls = calls_made(lambda: ag.draw_graph(total, max_nodes=500, rankdir="LR"))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert calls < 200_000  # it looked at the first inputs only, not at a million
    assert peak < 2_000_000  # bytes: the picture of 41 nodes, not of a million
    assert len(g.source) < 20_000 and len(g.text) < 20_000
    assert g.source.count(" -> ") <= 2 + 40
    assert "… 999,960 more inputs" in g.source


def test_the_same_input_many_times_is_bounded_too() -> None:
    x = Value(1.0, label="x")
    g = ag.draw_graph(ag.sum([x] * 100_000), rankdir="LR")
    assert g.source.count("v1 -> v0_op") == 40
    assert "… 99,960 more inputs" in g.source


# --- text that dot and a reader can take -----------------------------------------


HOSTILE = 'a\x00b "q" {c|d} <e> \\f\nline'


def test_hostile_labels_are_escaped_in_the_dot_source() -> None:
    x = Value(1.0, label=HOSTILE)
    src = ag.draw_graph(x * 2, rankdir="LR").source
    assert "\x00" not in src
    assert r"a\\x00b \"q\" \{c\|d\} \<e\> \\f\\nline" in src
    assert "a\\x00b" in ag.draw_graph(x * 2).text


@needs_dot
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_hostile_labels_render(rankdir: str) -> None:
    x = Value(1.0, label=HOSTILE)
    y = (x * 2).exp()
    y.label = HOSTILE
    svg = ag.draw_graph(y, rankdir=rankdir).pipe(format="svg", encoding="utf-8")
    assert "a\\x00b &quot;q&quot; {c|d}" in svg or "a\\x00b &quot;q&quot;" in svg


def test_a_huge_label_is_cut_short() -> None:
    x = Value(1.0, label="a" * 1_000_000)
    g = ag.draw_graph(x * 2, rankdir="LR")
    assert len(g.source) < 5_000 and len(g.text) < 1_000
    assert "a" * 79 + "…" in g.source and "a" * 81 not in g.source


def test_negative_zero_is_shown_as_zero() -> None:
    x = Value(-0.0, label="x")
    y = x * -1.0
    y.backward()
    g = ag.draw_graph(y, show_local=True, rankdir="LR")
    assert "-0.0" not in g.source and "-0.0" not in g.text
    assert "data 0.0" in g.text


def test_show_local_reads_the_engine_and_leaves_grad_alone() -> None:
    y, v = neuron()
    g = ag.draw_graph(y, show_local=True, rankdir="LR")
    assert all(node.grad == 0.0 for node in v.values())
    assert 'v2 -> v1_op [label="∂ 1.0"]' in g.source  # d(xw + b)/d(xw)
    assert 'v4 -> v2_op [label="∂ -3.0"]' in g.source  # d(xw)/dx = w


# --- pictures that fit a notebook ------------------------------------------------


def chain(depth: int) -> Value:
    y = Value(0.5, label="x")
    for _ in range(depth):
        y = y.sin()
    return y


def test_auto_orientation_keeps_a_small_graph_left_to_right() -> None:
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    assert "rankdir=LR" in ag.draw_graph(x * w).source
    assert "rankdir=LR" in ag.draw_graph(neuron()[0]).source


def test_auto_orientation_turns_a_deep_graph_top_down() -> None:
    assert "rankdir=TB" in ag.draw_graph(chain(12)).source
    assert "rankdir=LR" in ag.draw_graph(chain(12), rankdir="LR").source


@needs_dot
@pytest.mark.parametrize("depth", [2, 5, 12])
def test_auto_orientation_agrees_with_dot(depth: int) -> None:
    from autograd_lite.inspect.draw import FIT_WIDTH_PT, layout_of

    def width(rankdir: str) -> float:
        source = ag.draw_graph(chain(depth), rankdir=rankdir).source
        return float(layout_of(source)["bb"].split(",")[2])

    chosen = ag.draw_graph(chain(depth)).graph_attr["rankdir"]
    across = width("LR")
    assert chosen == ("LR" if across <= FIT_WIDTH_PT or across <= width("TB") else "TB")


def test_auto_orientation_does_not_run_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    import graphviz

    def no_dot(*args: object, **kwargs: object) -> None:
        raise AssertionError("draw_graph ran dot")

    monkeypatch.setattr(graphviz, "pipe_string", no_dot)
    monkeypatch.setattr(graphviz, "pipe", no_dot)
    ag.draw_graph(chain(12))


@needs_dot
def test_notebook_html_scales_down_only_to_readable_text_then_scrolls() -> None:
    g = ag.draw_graph(chain(30), rankdir="LR")  # far wider than a notebook
    bundle = g._repr_mimebundle_()
    page = bundle["text/html"]
    assert page.startswith('<div class="ag-graph" style="max-width: 100%; overflow: auto">')
    svg = bundle["image/svg+xml"]
    width_pt = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
    smallest = min(float(f) for f in re.findall(r'font-size="([\d.]+)"', svg))
    min_width = float(re.search(r"min-width: (\d+)px", page).group(1))
    max_width = float(re.search(r"max-width: (\d+)px", page).group(1))
    assert max_width == pytest.approx(width_pt * 4 / 3, abs=1)  # never larger than natural
    assert smallest * min_width / width_pt >= 9 - 0.05  # the smallest text stays >= 9 px
    assert "<?xml" not in page and "width=" not in page.split(">", 2)[1]


def test_fit_svg_rejects_what_is_not_svg() -> None:
    from autograd_lite.inspect.draw import fit_svg

    with pytest.raises(ValueError, match="Graphviz SVG"):
        fit_svg("<html></html>")
