"""draw_model draws convolutions, pooling, flattening and the unrolled recurrence."""

from __future__ import annotations

import re
import shutil
from typing import Any

import pytest

import autograd_lite as ag
from autograd_lite import Value, nn

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot not installed")


def cnn() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, seed=1),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Layer(36, 3, activation="linear", seed=1),
    )


# --- the summary and the text --------------------------------------------------


def test_a_sequential_of_dense_layers_reads_like_an_mlp_with_its_flatten() -> None:
    model = nn.Sequential(nn.Flatten(), nn.Layer(4, 3, "tanh", seed=0), nn.MLP(3, [2, 1], seed=0))
    text = ag.draw_model(model).text
    assert text.splitlines()[0] == (
        f"Sequential: input → Flatten [4] → 3 tanh → 2 relu → 1 linear, "
        f"{len(model.parameters())} parameters"
    )


def test_a_cnn_with_an_input_shape_says_every_shape_and_parameter_count() -> None:
    model = cnn()
    text = ag.draw_model(model, input_shape=(1, 8, 8)).text
    lines = text.splitlines()
    assert lines[0] == (
        "Sequential: 1×8×8 → Conv2d 4 kernels 3×3 relu [4×6×6] → MaxPool2d 2×2 [4×3×3] "
        "→ Flatten [36] → 3 linear, 151 parameters"
    )
    assert len(model.parameters()) == 151
    assert lines[2].split(None, 2)[2] == (
        "Conv2d 1 → 4 channels, 3×3 kernels, stride 1, padding 0, relu, 40 parameters "
        "(4 × (1·3·3 weights + 1 bias)) → 4×6×6"
    )
    assert "MaxPool2d 2×2: the largest of each window, no parameters → 4×3×3" in lines[3]
    assert "Flatten: one vector, no parameters → 36" in lines[4]
    assert "3 neurons, linear, 111 parameters (3 × (36 weights + 1 bias))" in lines[5]


def test_without_an_input_shape_a_cnn_keeps_its_channels_and_leaves_sizes_open() -> None:
    text = ag.draw_model(cnn()).text
    assert text.splitlines()[0].startswith("Sequential: 1×H×W → Conv2d 4 kernels 3×3 relu →")
    assert "1 channel of any height H and width W" in text


def test_stride_and_padding_are_shown_and_used_for_the_shapes() -> None:
    conv = nn.Conv2d(3, 5, 4, stride=2, padding=1, activation="tanh", seed=0)
    g = ag.draw_model(conv, input_shape=(3, 9, 9))
    assert "stride 2, padding 1, tanh, 245 parameters" in g.text
    assert g.text.endswith("→ 5×4×4")
    assert "stride 2, padding 1" in g.source and "output 5×4×4" in g.source


# --- the picture ---------------------------------------------------------------


def kernel_cells(source: str) -> list[str]:
    return re.findall(
        r"<TD BGCOLOR=\"(#[0-9a-f]{6})\"><FONT POINT-SIZE=\"8\">([^<]*)</FONT>", source
    )


def test_kernels_are_grids_of_their_weights_red_positive_blue_negative() -> None:
    model = cnn()
    conv = model[0]
    assert isinstance(conv, nn.Conv2d)
    conv.weight[2][0][1][1].data = 0.5
    conv.weight[2][0][1][2].data = -2.0
    source = ag.draw_model(model).source
    cells = kernel_cells(source)
    assert len(cells) == 4 * 9
    kernel_2 = cells[18:27]
    assert kernel_2[5] == ("#5f5fff", "-2.0")  # the largest weight: the deepest blue
    assert kernel_2[4] == ("#ffd7d7", "0.5")  # a quarter of it, positive: light red


def test_wide_convolutions_elide_kernels_and_large_kernels_are_not_gridded() -> None:
    source = ag.draw_model(nn.Conv2d(1, 50, 3, seed=0), max_neurons=5).source
    assert len(kernel_cells(source)) == 4 * 9  # 3 first kernels + the last
    assert "46 more" in source
    big = ag.draw_model(nn.Conv2d(2, 2, 9, seed=0)).source
    assert not kernel_cells(big) and "9×9 weights" in big and "channel 0 of 2" in big


def test_pooling_and_flatten_are_boxes_that_change_the_shape() -> None:
    source = ag.draw_model(cnn(), input_shape=(1, 8, 8)).source
    assert re.search(r"L2 \[label=\"layer 2 · MaxPool2d 2×2\\n.*\\n4×6×6 → 4×3×3\"", source)
    assert re.search(r"L3 \[label=\"layer 3 · Flatten\\n.*\\n4×3×3 → 36\"", source)
    # Every kernel feeds the pool; the flatten feeds every neuron of the last layer.
    assert all(f"L1_{o} -> L2" in source for o in range(4))
    assert all(f"L3 -> L4_{j}" in source for j in range(3))


def edges(source: str, label: str) -> list[tuple[str, str]]:
    return re.findall(rf"(\w+) -> (\w+) \[[^\]]*label={label}", source)


def test_an_rnn_is_unrolled_with_the_recurrence_as_edges_through_w_hh() -> None:
    rnn = nn.RNN(2, 8, seed=0)
    g = ag.draw_model(rnn, steps=3)
    assert edges(g.source, "W_ih") == [("L1_x1", "L1_h1"), ("L1_x2", "L1_h2"), ("L1_x3", "L1_h3")]
    assert edges(g.source, "W_hh") == [
        ("L1_h0", "L1_h1"),
        ("L1_h1", "L1_h2"),
        ("L1_h2", "L1_h3"),
        ("L1_h3", "L1_after"),
    ]
    assert "⋯ until h_T" in g.source
    assert "h₂\\n8 tanh units" in g.source
    assert "2 → 8 · 88 parameters, the same W_ih, W_hh and b at every step" in g.source
    assert g.text.splitlines()[0] == "RNN: sequence of 2-value inputs → RNN 8 tanh, 88 parameters"
    assert "h_t = tanh(W_ih x_t + W_hh h_t-1 + b)" in g.text


def test_a_known_short_sequence_is_unrolled_in_full_and_a_long_one_says_how_many_more() -> None:
    rnn = nn.RNN(1, 3, activation="relu", seed=0)
    short = ag.draw_model(rnn, input_shape=(2, 1), steps=5).source
    assert len(edges(short, "W_hh")) == 2 and "⋯" not in short
    long = ag.draw_model(rnn, input_shape=(20, 1), steps=4).source
    assert len(edges(long, "W_ih")) == 4 and "⋯ 16 more steps" in long


def test_nested_containers_are_walked_in_order() -> None:
    model = nn.Sequential(nn.Sequential(nn.Conv2d(1, 2, 3, seed=0), nn.MaxPool2d(2)), nn.Flatten())
    text = ag.draw_model(model, input_shape=(1, 6, 6)).text
    kinds = [line.split()[2].rstrip(":") for line in text.splitlines()[2:]]
    assert kinds == ["Conv2d", "MaxPool2d", "Flatten"]
    assert text.splitlines()[-1].endswith("→ 8")


def test_a_layer_alone_draws_too() -> None:
    assert ag.draw_model(nn.MaxPool2d(3)).text.startswith("MaxPool2d: input → MaxPool2d 3×3")
    assert ag.draw_model(nn.Flatten(), input_shape=(2, 3)).text.startswith("Flatten: 2×3 →")


def test_the_drawing_stays_small_for_a_huge_layer() -> None:
    wide = nn.Sequential(nn.Conv2d(1, 300, 3, seed=0), nn.Flatten(), nn.Layer(300 * 4, 200, seed=0))
    g = ag.draw_model(wide, input_shape=(1, 4, 4))
    assert len(g.source) < 20_000 and len(g.text) < 2_000


@needs_dot
@pytest.mark.parametrize("model", [cnn(), nn.RNN(1, 4, seed=0)], ids=["cnn", "rnn"])
def test_the_layers_render_with_dot(model: nn.Module) -> None:
    svg = ag.draw_model(model)._repr_mimebundle_()["image/svg+xml"]
    assert "<svg" in svg and "parameters" in svg


# --- arguments and models it cannot draw ------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"steps": 0}, ValueError, "steps must be at least 1"),
        ({"steps": 13}, ValueError, "steps must be at most 12"),
        ({"steps": 2.0}, TypeError, "steps must be a whole number"),
        ({"input_shape": "1x8x8"}, TypeError, "input_shape must be a tuple"),
        ({"input_shape": (1, 1, 8, 8)}, ValueError, "1 to 3 sizes"),
        ({"input_shape": (1, 0, 8)}, ValueError, "input_shape size must be at least 1"),
        ({"input_shape": (3, 8, 8)}, ValueError, r"does not fit Conv2d\(1 -> 4.*\(3, 8, 8\)"),
        ({"input_shape": (1, 2, 2)}, ValueError, r"H, W >= 3"),
        ({"input_shape": (64,)}, ValueError, "does not fit Conv2d"),
    ],
)
def test_bad_arguments_are_clear_errors(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        ag.draw_model(cnn(), **kwargs)


def test_a_shape_that_does_not_fit_a_later_layer_names_that_layer() -> None:
    model = nn.Sequential(nn.Conv2d(1, 2, 3, seed=0), nn.Flatten(), nn.Layer(7, 1, seed=0))
    with pytest.raises(ValueError, match=r"does not fit Layer\(7 -> 1.*7 inputs.*\(8,\)"):
        ag.draw_model(model, input_shape=(1, 4, 4))


class UndrawableScale(nn.Module):
    """A user module with a parameter and no shape draw_model knows."""

    def __init__(self) -> None:
        self.k = Value(2.0)

    def __call__(self, x: Any) -> Any:
        return x * self.k

    def named_members(self) -> list[tuple[str, Any]]:
        return [("k", self.k)]


def test_a_module_it_cannot_draw_is_named_with_a_pointer_to_draw_graph() -> None:
    with pytest.raises(TypeError, match=r"draw_model\(\).*got UndrawableScale;.*draw_graph"):
        ag.draw_model(nn.Sequential(nn.Flatten(), UndrawableScale()))


def test_draw_model_is_still_importable_from_its_old_module() -> None:
    from autograd_lite.inspect.draw import draw_model

    assert draw_model is ag.draw_model
