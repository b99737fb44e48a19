"""RNN against torch.nn.RNN (float64): hidden states and every gradient to 1e-12."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite import Value, nn

torch = pytest.importorskip("torch")


def assert_close(ours: Any, theirs: Any, what: str = "") -> None:
    """Equal to 1e-12: relative to each entry, or to the array's scale for an entry
    that is a sum cancelling to almost 0 (where summation order alone moves it)."""
    scale = max(1.0, float(np.max(np.abs(theirs), initial=0.0)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12 * scale, err_msg=what)


def values(array: np.ndarray) -> Any:
    return np.vectorize(Value, otypes=[object])(array).tolist()


def field(nested: Any, attribute: str) -> np.ndarray:
    return np.vectorize(lambda v: getattr(v, attribute), otypes=[float])(
        np.array(nested, dtype=object)
    )


def torch_rnn(rnn: nn.RNN) -> Any:
    """torch.nn.RNN with our weights: b_ih = b, b_hh = 0 (only their sum matters)."""
    theirs = torch.nn.RNN(rnn.nin, rnn.nhidden, nonlinearity=rnn.activation, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight_ih_l0.copy_(torch.tensor(field(rnn.w_ih, "data")))
        theirs.weight_hh_l0.copy_(torch.tensor(field(rnn.w_hh, "data")))
        theirs.bias_ih_l0.copy_(torch.tensor(field(rnn.b, "data")))
        theirs.bias_hh_l0.zero_()
    return theirs


def rnn_against_torch(
    rnn: nn.RNN, xs: np.ndarray, h0: np.ndarray | None, rng: np.random.Generator
) -> None:
    x = values(xs)
    h = None if h0 is None else values(h0)
    hs = rnn(x, h)
    r = rng.normal(size=(len(xs), rnn.nhidden))
    ag.dot(r.ravel().tolist(), [v for step in hs for v in step]).backward()

    theirs = torch_rnn(rnn)
    xt = torch.tensor(xs, requires_grad=True)
    ht = torch.zeros(1, rnn.nhidden, dtype=torch.float64) if h0 is None else torch.tensor(h0[None])
    ht.requires_grad_(True)
    output, _ = theirs(xt, ht)
    (output * torch.tensor(r)).sum().backward()

    assert_close(field(hs, "data"), output.detach().numpy())
    assert_close(field(x, "grad"), xt.grad.numpy())
    assert_close(field(rnn.w_ih, "grad"), theirs.weight_ih_l0.grad.numpy())
    assert_close(field(rnn.w_hh, "grad"), theirs.weight_hh_l0.grad.numpy())
    # b plays both torch biases, and each gets the same gradient.
    assert_close(field(rnn.b, "grad"), theirs.bias_ih_l0.grad.numpy())
    assert_close(field(rnn.b, "grad"), theirs.bias_hh_l0.grad.numpy())
    if h is not None:
        assert_close(field(h, "grad"), ht.grad.numpy()[0])


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("with_h0", [False, True])
def test_rnn_matches_torch_rnn_hidden_states_and_every_gradient(
    activation: str, with_h0: bool
) -> None:
    rng = np.random.default_rng(3)
    rnn = nn.RNN(3, 4, activation=activation, seed=2)
    for b in rnn.b:
        b.data = float(rng.normal(scale=0.5))
    h0 = rng.normal(size=4) if with_h0 else None
    rnn_against_torch(rnn, rng.normal(size=(6, 3)), h0, rng)


@settings(max_examples=25, deadline=None)
@given(
    nin=st.integers(1, 3),
    nhidden=st.integers(1, 4),
    steps=st.integers(1, 10),
    activation=st.sampled_from(["tanh", "relu"]),
    with_h0=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_rnn_matches_torch_for_any_shape(
    nin: int, nhidden: int, steps: int, activation: str, with_h0: bool, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    rnn = nn.RNN(nin, nhidden, activation=activation, seed=seed)
    for b in rnn.b:
        b.data = float(rng.normal(scale=0.5))
    h0 = rng.normal(size=nhidden) if with_h0 else None
    rnn_against_torch(rnn, rng.normal(size=(steps, nin)), h0, rng)


@pytest.mark.parametrize("activation", ["sigmoid", "linear"])
def test_rnn_other_activations_follow_the_recurrence(activation: str) -> None:
    rnn = nn.RNN(2, 3, activation=activation, seed=0)
    xs = np.random.default_rng(1).normal(size=(4, 2))
    w_ih, w_hh, b = (field(t, "data") for t in (rnn.w_ih, rnn.w_hh, rnn.b))
    act = (lambda z: 1 / (1 + np.exp(-z))) if activation == "sigmoid" else (lambda z: z)
    h = np.zeros(3)
    for x, ours in zip(xs, rnn(xs)):
        h = act(w_ih @ x + w_hh @ h + b)
        assert_close(field(ours, "data"), h)


def test_each_hidden_unit_step_is_one_dot_node() -> None:
    rnn = nn.RNN(2, 3, activation="linear", seed=0)
    hs = rnn([[1.0, 2.0], [3.0, 4.0]])
    z = hs[1][2]
    assert z.op == "dot"
    assert z.inputs[:5] == (*rnn.w_ih[2], *rnn.w_hh[2])
    assert z.inputs[7:10] == tuple(hs[0])  # the previous hidden state feeds this step
    assert z.inputs[-1] is rnn.b[2]


def test_shared_recurrent_weight_gradient_is_the_sum_over_time_and_explain_shows_each_step() -> (
    None
):
    rnn = nn.RNN(1, 1, activation="tanh", seed=0)
    rnn.w_hh[0][0].data = 0.5
    xs = [[1.0], [-0.5], [0.25], [2.0]]
    hs = rnn(xs)
    loss = hs[-1][0]
    loss.backward()
    w = rnn.w_hh[0][0]
    e = ag.explain(loss, w, max_paths=100)
    assert e.matches
    # One path per time step that uses w, entering it at that step's dot node.
    dots = [h[0].inputs[0] for h in hs]
    steps_of_paths = sorted(dots.index(path.nodes[-2]) for path in e.paths)
    assert steps_of_paths == [0, 1, 2, 3]
    assert e.path_count == len(xs)
    # Each term is ∂loss/∂h_t · (1 - h_t²) · h_{t-1}: the chain rule, step by step.
    assert_close(sum(p.product for p in e.paths), w.grad)
    assert "w_hh.0.0" in str(e)


def test_gradient_per_time_step_sums_to_the_weights_gradient() -> None:
    rnn = nn.RNN(2, 3, seed=1)
    xs = np.random.default_rng(0).normal(size=(5, 2))
    hs = rnn(xs)
    loss = ag.sum(hs[-1])
    loss.backward()
    for row in rnn.w_hh:
        for w in row:
            e = ag.explain(loss, w, max_paths=0)
            assert e.matches
            assert abs(e.total - w.grad) <= 1e-12 * max(1.0, abs(w.grad))


@pytest.mark.parametrize(
    ("xs", "actual"),
    [
        (np.zeros((4, 3)), "(4, 3)"),
        (np.zeros(2), "(2,)"),
        (np.zeros((0, 2)), "(0,)"),
        (np.zeros((1, 4, 2)), "(1, 4, 2)"),
    ],
)
def test_rnn_bad_shape_error_names_layer_expected_and_actual(xs: Any, actual: str) -> None:
    with pytest.raises(ValueError) as info:
        nn.RNN(2, 5, seed=0)(xs)
    message = str(info.value)
    assert "RNN(2 -> 5, tanh" in message and "(T, 2)" in message and actual in message


def test_rnn_bad_h0_shape_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"RNN\(2 -> 5.*h0 of shape \(5,\), got shape \(3,\)"):
        nn.RNN(2, 5, seed=0)([[1.0, 2.0]], h0=[0.0, 0.0, 0.0])


def test_rnn_parameter_layout_is_torchs() -> None:
    rnn = nn.RNN(3, 2, seed=0)
    assert field(rnn.w_ih, "data").shape == (2, 3)
    assert field(rnn.w_hh, "data").shape == (2, 2)
    assert len(rnn.b) == 2
    assert [n for n, _ in rnn.named_parameters()][:4] == [
        "w_ih.0.0",
        "w_ih.0.1",
        "w_ih.0.2",
        "w_ih.1.0",
    ]
    assert len(rnn.parameters()) == 2 * (3 + 2 + 1)
