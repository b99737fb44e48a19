"""Conv2d and MaxPool2d against PyTorch (float64): outputs and every gradient to 1e-12."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite import Value, nn

torch = pytest.importorskip("torch")
F = torch.nn.functional


def assert_close(ours: Any, theirs: Any, what: str = "") -> None:
    """Equal to 1e-12: relative to each entry, or to the array's scale for an entry
    that is a sum cancelling to almost 0 (where summation order alone moves it)."""
    scale = max(1.0, float(np.max(np.abs(theirs), initial=0.0)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12 * scale, err_msg=what)


TORCH_ACTIVATION = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}


def values(array: np.ndarray) -> Any:
    """An ndarray as nested lists of leaf Values."""
    return np.vectorize(Value, otypes=[object])(array).tolist()


def field(nested: Any, attribute: str) -> np.ndarray:
    """``.data`` or ``.grad`` of nested lists of Values, as an ndarray."""
    return np.vectorize(lambda v: getattr(v, attribute), otypes=[float])(
        np.array(nested, dtype=object)
    )


def weighted_sum(out: Any, weights: np.ndarray) -> Value:
    """Σ r·out with fixed random r, so that every gradient is a different number."""
    flat = np.array(out, dtype=object).ravel().tolist()
    return ag.dot(weights.ravel().tolist(), flat)


def conv_against_torch(
    conv: nn.Conv2d, image: np.ndarray, rng: np.random.Generator
) -> dict[str, float]:
    """Run both engines on the same image and weights; assert agreement; return max errors."""
    x = values(image)
    out = conv(x)
    r = rng.normal(size=np.array(out, dtype=object).shape)
    weighted_sum(out, r).backward()

    weight = torch.tensor(field(conv.weight, "data"), requires_grad=True)
    bias = torch.tensor(field(conv.bias, "data"), requires_grad=True)
    xt = torch.tensor(image, requires_grad=True)
    z = F.conv2d(xt, weight, bias, stride=conv.stride, padding=conv.padding)
    yt = TORCH_ACTIVATION.get(conv.activation, lambda t: t)(z)
    (yt * torch.tensor(r)).sum().backward()

    pairs = {
        "output": (field(out, "data"), yt.detach().numpy()),
        "input grad": (field(x, "grad"), xt.grad.numpy()),
        "weight grad": (field(conv.weight, "grad"), weight.grad.numpy()),
        "bias grad": (field(conv.bias, "grad"), bias.grad.numpy()),
    }
    errors = {}
    for what, (ours, theirs) in pairs.items():
        assert ours.shape == theirs.shape, what
        assert_close(ours, theirs, what)
        errors[what] = float(np.max(np.abs(ours - theirs), initial=0.0))
    return errors


@pytest.mark.parametrize(
    ("stride", "padding", "activation"),
    [(1, 0, "relu"), (2, 0, "tanh"), (1, 1, "sigmoid"), (2, 2, "linear"), (3, 1, "relu")],
)
def test_conv2d_matches_torch_conv2d_outputs_and_every_gradient(
    stride: int, padding: int, activation: str
) -> None:
    rng = np.random.default_rng(stride * 10 + padding)
    conv = nn.Conv2d(2, 3, 3, stride=stride, padding=padding, activation=activation, seed=1)
    for b in conv.bias:
        b.data = float(rng.normal())  # biases start at 0; make them count
    conv_against_torch(conv, rng.normal(size=(2, 7, 8)), rng)


@settings(max_examples=25, deadline=None)
@given(
    cin=st.integers(1, 3),
    cout=st.integers(1, 3),
    k=st.integers(1, 4),
    stride=st.integers(1, 3),
    padding=st.integers(0, 2),
    extra_h=st.integers(0, 4),
    extra_w=st.integers(0, 4),
    activation=st.sampled_from(["relu", "tanh", "sigmoid", "linear"]),
    seed=st.integers(0, 2**16),
)
def test_conv2d_matches_torch_for_any_shape(
    cin: int,
    cout: int,
    k: int,
    stride: int,
    padding: int,
    extra_h: int,
    extra_w: int,
    activation: str,
    seed: int,
) -> None:
    rng = np.random.default_rng(seed)
    h, w = max(k - 2 * padding, 1) + extra_h, max(k - 2 * padding, 1) + extra_w
    conv = nn.Conv2d(cin, cout, k, stride=stride, padding=padding, activation=activation, seed=seed)
    for b in conv.bias:
        b.data = float(rng.normal())
    conv_against_torch(conv, rng.normal(size=(cin, h, w)), rng)


def test_each_conv_output_is_one_dot_node_over_its_receptive_field() -> None:
    conv = nn.Conv2d(2, 1, 3, activation="linear", seed=0)
    out = conv(np.ones((2, 4, 4)))
    z = out[0][1][1]
    assert z.op == "dot"
    weights = [w for channel in conv.weight[0] for row in channel for w in row]
    assert z.inputs[: len(weights)] == tuple(weights)
    assert z.inputs[-1] is conv.bias[0]
    assert len(z.inputs) == 2 * 2 * 3 * 3 + 1


def test_output_shape_follows_torch_formula() -> None:
    conv = nn.Conv2d(1, 4, 3, stride=2, padding=1, seed=0)
    out = conv(np.zeros((1, 9, 6)))
    assert (len(out), len(out[0]), len(out[0][0])) == conv.output_shape(9, 6) == (4, 5, 3)


def test_shared_kernel_weight_gradient_is_the_sum_over_positions_and_explain_lists_them() -> None:
    conv = nn.Conv2d(1, 1, 2, activation="linear", seed=0)
    image = np.arange(12.0).reshape(1, 3, 4)
    out = conv(image)
    loss = ag.sum([v for row in out[0] for v in row])
    loss.backward()
    w = conv.weight[0][0][1][0]
    positions = [(i, j) for i in range(2) for j in range(3)]
    # dloss/dw = Σ over positions of the input pixel w multiplied there.
    assert w.grad == sum(image[0, i + 1, j] for i, j in positions)
    e = ag.explain(loss, w, max_paths=100)
    assert e.path_count == len(positions)
    assert e.matches and e.total == w.grad
    dots = [path.nodes[1] for path in e.paths]
    assert dots == [out[0][i][j] for i, j in positions]  # one path through each output
    assert sorted(p.product for p in e.paths) == sorted(image[0, i + 1, j] for i, j in positions)
    assert "weight.0.0.1.0" in str(e)


def test_conv_accepts_values_lists_tuples_and_arrays_alike() -> None:
    conv = nn.Conv2d(1, 2, 2, seed=3)
    image = np.random.default_rng(0).normal(size=(1, 3, 3))
    from_array = field(conv(image), "data")
    from_lists = field(conv(image.tolist()), "data")
    from_tuples = field(conv(tuple(tuple(map(tuple, ch)) for ch in image)), "data")
    from_values = field(conv(values(image)), "data")
    assert (from_array == from_lists).all() and (from_lists == from_tuples).all()
    assert (from_lists == from_values).all()


@pytest.mark.parametrize(
    ("image", "actual"),
    [
        (np.zeros((1, 5, 5)), "(1, 5, 5)"),  # wrong channel count
        (np.zeros((2, 2, 5)), "(2, 2, 5)"),  # smaller than the kernel
        (np.zeros((2, 5)), "(2, 5)"),  # one dimension short
        (np.zeros((1, 2, 5, 5)), "(1, 2, 5, 5)"),  # a batch
    ],
)
def test_conv_bad_shape_error_names_layer_expected_and_actual(image: Any, actual: str) -> None:
    conv = nn.Conv2d(2, 4, 3, seed=0)
    with pytest.raises(ValueError) as info:
        conv(image)
    message = str(info.value)
    assert "Conv2d(2 -> 4, 3×3" in message
    assert "(2, H, W) with H, W >= 3" in message
    assert actual in message


def test_conv_ragged_input_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"Conv2d.*ragged.*\(3,\).*\(2,\)|Conv2d.*ragged"):
        nn.Conv2d(1, 1, 2, seed=0)([[[1.0, 2.0, 3.0], [1.0, 2.0]]])


def test_conv_padding_lets_a_small_image_through() -> None:
    out = nn.Conv2d(1, 1, 3, padding=1, seed=0)([[[1.0]]])
    assert len(out[0]) == 1 and len(out[0][0]) == 1


@pytest.mark.parametrize(
    "kwargs",
    [{"kernel_size": 0}, {"stride": 0}, {"padding": -1}, {"activation": "swish"}],
)
def test_conv_bad_arguments_are_rejected(kwargs: dict[str, Any]) -> None:
    arguments = {"in_channels": 1, "out_channels": 1, "kernel_size": 3, **kwargs}
    with pytest.raises(ValueError):
        nn.Conv2d(**arguments)


def test_conv_weight_layout_and_parameter_names_are_torchs() -> None:
    conv = nn.Conv2d(2, 3, 2, seed=0)
    assert field(conv.weight, "data").shape == (3, 2, 2, 2)
    assert len(conv.bias) == 3
    names = [name for name, _ in conv.named_parameters()]
    assert names[0] == "weight.0.0.0.0" and names[-1] == "bias.2"
    assert len(names) == len(conv.parameters()) == 3 * 2 * 2 * 2 + 3
    assert conv.weight[1][0][1][0].label == "weight.1.0.1.0"


def test_conv_seed_gives_the_same_weights() -> None:
    a, b = nn.Conv2d(2, 2, 3, seed=5), nn.Conv2d(2, 2, 3, seed=5)
    assert a.state_dict() == b.state_dict()


# --- MaxPool2d ---------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    channels=st.integers(1, 3),
    k=st.integers(1, 3),
    h=st.integers(3, 8),
    w=st.integers(3, 8),
    seed=st.integers(0, 2**16),
)
def test_maxpool_matches_torch_output_and_input_gradient(
    channels: int, k: int, h: int, w: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    image = rng.normal(size=(channels, h, w))
    x = values(image)
    out = nn.MaxPool2d(k)(x)
    r = rng.normal(size=np.array(out, dtype=object).shape)
    weighted_sum(out, r).backward()
    xt = torch.tensor(image, requires_grad=True)
    yt = F.max_pool2d(xt, k)
    (yt * torch.tensor(r)).sum().backward()
    np.testing.assert_array_equal(field(out, "data"), yt.detach().numpy())
    assert_close(field(x, "grad"), xt.grad.numpy())


def test_maxpool_routes_the_gradient_to_the_first_largest_input_like_torch() -> None:
    image = np.array([[[1.0, 3.0], [3.0, 0.0]]])  # a tie: the first 3 wins in both engines
    x = values(image)
    out = nn.MaxPool2d(2)(x)
    node = out[0][0][0]
    assert node.op == "maxpool" and node.inputs == (x[0][0][0], x[0][0][1], x[0][1][0], x[0][1][1])
    node.backward()
    xt = torch.tensor(image, requires_grad=True)
    F.max_pool2d(xt, 2).sum().backward()
    np.testing.assert_array_equal(field(x, "grad"), xt.grad.numpy())


def test_maxpool_lets_nan_win_and_takes_its_gradient_like_torch() -> None:
    nan = float("nan")
    image = np.array([[[1.0, nan, 2.0, 0.5], [nan, 3.0, 1.0, 4.0]]])
    x = values(image)
    out = nn.MaxPool2d(2)(x)
    weighted_sum(out, np.array([2.0, 3.0])).backward()
    xt = torch.tensor(image, requires_grad=True)
    yt = F.max_pool2d(xt, 2)
    (yt * torch.tensor([[[2.0, 3.0]]])).sum().backward()
    np.testing.assert_array_equal(field(out, "data"), yt.detach().numpy())  # NaN == NaN here
    np.testing.assert_array_equal(field(x, "grad"), xt.grad.numpy())


def test_maxpool_second_derivatives_are_zero_and_explain_walks_through_it() -> None:
    x = values(np.array([[[1.0, 4.0], [2.0, 3.0]]]))
    winner = x[0][0][1]
    y = nn.MaxPool2d(2)(x)[0][0][0] ** 2
    e = ag.explain(y, winner)
    assert e.path_count == 1 and e.total == 8.0  # 2·out × 1
    (g,) = ag.gradients(y, [winner], create_graph=True)
    (gg,) = ag.gradients(g, [winner])
    assert gg == 2.0  # d/dw (2·max·1) = 2, through the maxpool node again


def test_maxpool_bad_shape_error_names_layer_expected_and_actual() -> None:
    with pytest.raises(
        ValueError, match=r"MaxPool2d\(3×3\).*\(C, H, W\) with H, W >= 3.*\(1, 2, 5\)"
    ):
        nn.MaxPool2d(3)(np.zeros((1, 2, 5)))
    with pytest.raises(ValueError, match=r"MaxPool2d\(2×2\).*got shape \(4, 4\)"):
        nn.MaxPool2d(2)(np.zeros((4, 4)))


def test_every_size_argument_takes_numpy_ints_and_configs_hold_plain_ints() -> None:
    i = np.int64
    conv = nn.Conv2d(i(1), i(2), i(3), stride=i(2), padding=i(1), seed=0)
    assert conv.config() == {
        "in_channels": 1,
        "out_channels": 2,
        "kernel_size": 3,
        "stride": 2,
        "padding": 1,
        "activation": "relu",
    }
    assert all(type(v) is int for k, v in conv.config().items() if k != "activation")
    assert conv.output_shape(5, 5) == (2, 3, 3)
    assert nn.MaxPool2d(np.int32(2)).config() == {"kernel_size": 2}
    rnn = nn.RNN(np.int16(2), np.uint8(3), seed=0)
    assert (rnn.nin, rnn.nhidden) == (2, 3)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"padding": 10**20}, "Conv2d padding must be at most 65536, got 100000000000000000000"),
        ({"padding": 2**16 + 1}, "Conv2d padding must be at most 65536, got 65537"),
        ({"padding": 10**2000}, "Conv2d padding must be at most 65536, got an int of 6644 bits"),
        ({"stride": 10**20}, "Conv2d stride must be at most 65536, got 100000000000000000000"),
        ({"padding": True}, "Conv2d padding must be an int >= 0, got True"),
        ({"padding": 1.0}, "Conv2d padding must be an int >= 0, got 1.0"),
    ],
)
def test_conv_padding_and_stride_are_bounded_and_named(
    kwargs: dict[str, Any], message: str
) -> None:
    """A padding of 10**20 used to pass here and die later in an OverflowError naming no layer."""
    with pytest.raises(ValueError, match=message):
        nn.Conv2d(1, 1, 3, **kwargs)


def test_the_largest_padding_and_stride_are_accepted() -> None:
    from autograd_lite.nn.conv import MAX_PADDING, MAX_STRIDE

    conv = nn.Conv2d(1, 1, 3, stride=MAX_STRIDE, padding=MAX_PADDING)
    assert conv.output_shape(1, 1) == (
        1,
        2 * MAX_PADDING // MAX_STRIDE,
        2 * MAX_PADDING // MAX_STRIDE,
    )
