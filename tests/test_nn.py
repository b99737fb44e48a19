"""nn: neurons are one dot node, models have stable names, initialisation is seeded and scaled."""

from __future__ import annotations

import math
import pathlib

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import Value, nn


def test_neuron_is_one_dot_node_then_the_activation() -> None:
    n = nn.Neuron(3, activation="tanh", seed=0)
    y = n([1.0, 2.0, 3.0])
    assert y.op == "tanh"
    (z,) = y.inputs
    assert z.op == "dot"
    assert z.inputs[:3] == tuple(n.w) and z.inputs[-1] is n.b
    expected = sum(w.data * x for w, x in zip(n.w, [1.0, 2.0, 3.0])) + n.b.data
    assert z.data == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(
    "activation",
    ["relu", "tanh", "sigmoid", "leaky_relu", "elu", "gelu", "softplus", "linear"],
)
def test_each_activation_applies_its_function(activation: str) -> None:
    n = nn.Neuron(2, activation=activation, seed=1)
    n.w[0].data, n.w[1].data, n.b.data = 0.5, -2.0, 0.25
    z = 0.5 * 1.0 - 2.0 * 0.75 + 0.25
    expected = {
        "relu": max(z, 0.0),
        "tanh": math.tanh(z),
        "sigmoid": 1 / (1 + math.exp(-z)),
        "leaky_relu": z if z > 0 else 0.01 * z,
        "elu": z if z > 0 else math.expm1(z),
        "gelu": 0.5 * z * (1 + math.erf(z / math.sqrt(2))),
        "softplus": math.log1p(math.exp(z)),
        "linear": z,
    }[activation]
    assert n([1.0, 0.75]).data == pytest.approx(expected, rel=1e-15)


def test_unknown_activation_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        nn.MLP(2, [3, 1], activation="swish")


def test_mlp_2_16_16_1_has_337_parameters() -> None:
    assert len(nn.MLP(2, [16, 16, 1]).parameters()) == 337


def test_parameter_order_is_layer_neuron_weights_then_bias() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    expected = [
        p for layer in model.layers for neuron in layer.neurons for p in [*neuron.w, neuron.b]
    ]
    assert model.parameters() == expected
    names = [name for name, _ in model.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert names[-1] == "layers.1.neurons.0.b"
    assert len(set(names)) == len(names)


def test_parameters_are_labelled_with_their_names() -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    assert all(p.label == name for name, p in model.named_parameters())


def test_last_layer_is_linear_by_default_and_activation_can_be_per_layer() -> None:
    assert nn.MLP(2, [4, 4, 1], activation="tanh").activations == ["tanh", "tanh", "linear"]
    per_layer = nn.MLP(2, [4, 1], activation=["sigmoid", "sigmoid"])
    assert per_layer.activations == ["sigmoid", "sigmoid"]
    with pytest.raises(ValueError, match="one per layer"):
        nn.MLP(2, [4, 1], activation=["relu"])


def test_same_seed_same_weights_different_seed_different_weights() -> None:
    a = nn.MLP(2, [8, 1], seed=3).state_dict()
    assert a == nn.MLP(2, [8, 1], seed=3).state_dict()
    assert a != nn.MLP(2, [8, 1], seed=4).state_dict()


def test_no_seed_gives_a_random_initialisation() -> None:
    assert nn.MLP(2, [8, 1]).state_dict() != nn.MLP(2, [8, 1]).state_dict()


def test_he_init_for_relu_and_glorot_for_tanh() -> None:
    relu = nn.Layer(200, 200, activation="relu", seed=0)
    tanh = nn.Layer(200, 200, activation="tanh", seed=0)
    relu_w = np.array([w.data for n in relu.neurons for w in n.w])
    tanh_w = np.array([w.data for n in tanh.neurons for w in n.w])
    assert relu_w.std() == pytest.approx(math.sqrt(2 / 200), rel=0.02)
    assert tanh_w.std() == pytest.approx(math.sqrt(2 / 400), rel=0.02)
    assert all(n.b.data == 0.0 for n in relu.neurons)


def test_inputs_may_be_list_tuple_array_or_values() -> None:
    model = nn.MLP(2, [4, 1], seed=0)
    expected = model([0.5, -1.0]).data
    assert model((0.5, -1.0)).data == expected
    assert model(np.array([0.5, -1.0])).data == expected
    assert model([Value(0.5), Value(-1.0)]).data == expected


def test_gradients_flow_into_value_inputs() -> None:
    model = nn.MLP(2, [4, 1], activation="tanh", seed=0)
    x = [Value(0.5), Value(-1.0)]
    model(x).backward()
    assert any(v.grad != 0.0 for v in x)


def test_wrong_input_length_names_the_module_its_shape_expected_and_got() -> None:
    with pytest.raises(
        ValueError, match=r"^MLP\(2 -> 4 relu -> 1 linear, 17 parameters\) expects 2 inputs, got 3$"
    ):
        nn.MLP(2, [4, 1])([1.0, 2.0, 3.0])
    with pytest.raises(
        ValueError, match=r"^Layer\(3 -> 2 relu, 8 parameters\) expects 3 inputs, got 2$"
    ):
        nn.Layer(3, 2)([1.0, 2.0])
    with pytest.raises(
        ValueError, match=r"^Neuron\(2 inputs, relu, 3 parameters\) expects 2 inputs, got 1$"
    ):
        nn.Neuron(2)([1.0])


def test_a_batch_array_is_rejected_with_a_hint() -> None:
    with pytest.raises(ValueError, match="once per row"):
        nn.MLP(2, [1])(np.zeros((5, 2)))


def test_non_numeric_input_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        nn.MLP(2, [1])(["a", "b"])
    with pytest.raises(TypeError):
        nn.MLP(2, [1])("ab")


def test_one_neuron_layer_returns_a_value_and_works_mid_stack() -> None:
    model = nn.MLP(3, [1, 4, 1, 2], activation="tanh", seed=0)
    assert isinstance(model.layers[0]([1.0, 2.0, 3.0]), Value)
    out = model([1.0, 2.0, 3.0])
    assert isinstance(out, list) and len(out) == 2
    ag.sum(out).backward()
    assert model.layers[0].neurons[0].w[0].grad != 0.0


def test_a_layer_accepts_a_single_value_as_a_length_one_input() -> None:
    layer = nn.Layer(1, 3, seed=0)
    assert len(layer(Value(2.0))) == 3


def test_zero_grad_clears_every_parameter() -> None:
    model = nn.MLP(2, [4, 1], activation="tanh", seed=0)
    model([1.0, -1.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_repr_shows_architecture_and_parameter_count() -> None:
    assert repr(nn.MLP(2, [16, 16, 1])) == (
        "MLP(2 -> 16 relu -> 16 relu -> 1 linear, 337 parameters)"
    )
    assert repr(nn.Layer(2, 3, "tanh")) == "Layer(2 -> 3 tanh, 9 parameters)"
    assert repr(nn.Neuron(4, "sigmoid")) == "Neuron(4 inputs, sigmoid, 5 parameters)"


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.MLP(0, [1]),
        lambda: nn.MLP(2, []),
        lambda: nn.MLP(2, [0]),
        lambda: nn.Layer(2, -1),
    ],
)
def test_bad_sizes_are_value_errors(make: object) -> None:
    with pytest.raises(ValueError):
        make()  # type: ignore[operator]


def test_a_custom_module_gets_parameters_and_state_from_named_members() -> None:
    class Affine(nn.Module):
        def __init__(self) -> None:
            self.scale = Value(2.0)
            self.inner = nn.Neuron(1, "linear", seed=0)

        def named_members(self) -> list[tuple[str, nn.Member]]:
            return [("scale", self.scale), ("inner", self.inner)]

    m = Affine()
    assert [name for name, _ in m.named_parameters()] == ["scale", "inner.w.0", "inner.b"]
    assert set(m.state_dict()) == {"scale", "inner.w", "inner.b"}


@pytest.mark.parametrize("activation", ["leaky_relu", "elu", "gelu", "softplus"])
def test_the_newer_activations_train_save_and_match_torch(
    activation: str, tmp_path: pathlib.Path
) -> None:
    torch = pytest.importorskip("torch")
    model = nn.MLP(2, [5, 1], activation=activation, seed=3)
    x = [0.3, -1.2]
    out = model(x)
    out.backward()
    assert ag.gradcheck(lambda a, b: model([a, b]), x)
    twin = model.to_torch()
    assert twin(torch.tensor([x], dtype=torch.float64)).item() == pytest.approx(out.data, rel=1e-12)
    back = nn.MLP.from_torch(twin)
    assert back(x).data == pytest.approx(out.data, rel=1e-12)
    path = tmp_path / "model.json"
    model.save(path)
    assert nn.MLP.load(path)(x).data == out.data


def test_a_torch_activation_with_other_settings_is_refused_by_name() -> None:
    torch = pytest.importorskip("torch")
    module = torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.LeakyReLU(0.2)).double()
    with pytest.raises(TypeError, match=r"negative_slope=0\.2"):
        nn.MLP.from_torch(module)


def test_a_misspelt_activation_is_refused_even_without_a_hidden_layer() -> None:
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        nn.MLP(1, [2], activation="swish")
