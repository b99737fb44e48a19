"""Flatten and Sequential: plumbing between layers, names, and a small CNN end to end."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import Value, nn


def test_flatten_is_row_major_and_keeps_the_values_themselves() -> None:
    a, b = Value(1.0), Value(2.0)
    assert nn.Flatten()([[[a, 3.0]], [[b, 4.0]]]) == [a, 3.0, b, 4.0]
    assert nn.Flatten()(np.arange(6.0).reshape(1, 2, 3)) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert nn.Flatten()(a) == [a]


def test_flatten_rejects_ragged_input_naming_itself() -> None:
    with pytest.raises(ValueError, match=r"Flatten\(\).*ragged"):
        nn.Flatten()([[1.0, 2.0], [3.0]])


def test_sequential_applies_modules_in_order() -> None:
    conv, layer = nn.Conv2d(1, 2, 2, seed=0), nn.Layer(8, 1, "linear", seed=1)
    model = nn.Sequential(conv, nn.MaxPool2d(1), nn.Flatten(), layer)
    image = np.random.default_rng(0).normal(size=(1, 3, 3))
    expected = layer(nn.Flatten()(conv(image)))
    assert model(image).data == expected.data
    assert len(model) == 4 and model[0] is conv and list(model)[3] is layer


def test_sequential_names_parameters_by_position_like_torch() -> None:
    model = nn.Sequential(nn.Conv2d(1, 1, 2, seed=0), nn.Flatten(), nn.Layer(4, 1, seed=0))
    names = [name for name, _ in model.named_parameters()]
    assert names[0] == "0.weight.0.0.0.0" and names[-1] == "2.neurons.0.b"
    assert model.parameters()[0].label == "0.weight.0.0.0.0"  # explain and drawings say so


def test_sequential_rejects_non_modules_and_emptiness() -> None:
    with pytest.raises(TypeError, match="Sequential entry 1"):
        nn.Sequential(nn.Flatten(), lambda x: x)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one"):
        nn.Sequential()


def test_a_tiny_cnn_learns_two_patterns() -> None:
    # Vertical vs horizontal bars on a 4×4 image; a few SGD steps separate them.
    vertical = np.zeros((1, 4, 4))
    vertical[0, :, 1] = 1.0
    horizontal = vertical.transpose(0, 2, 1).copy()
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3, activation="tanh", seed=0),
        nn.Flatten(),
        nn.Layer(8, 1, activation="linear", seed=0),
    )
    optimizer = ag.optim.SGD(model.parameters(), lr=0.1)
    data = [(vertical, 1.0), (horizontal, -1.0)]

    def loss() -> Value:
        return ag.sum([(model(x) - y) ** 2 for x, y in data])

    before = loss().data
    for _ in range(30):
        optimizer.zero_grad()
        step = loss()
        step.backward()
        optimizer.step()
    assert loss().data < 0.05 * before


def test_a_shape_error_inside_sequential_names_the_position_and_the_module() -> None:
    layer = nn.Layer(8, 2, seed=0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3, seed=0), nn.MaxPool2d(2), nn.Flatten(), layer)
    with pytest.raises(ValueError) as info:
        model(np.zeros((1, 7, 9)))  # 2 × 2 × 3 = 12 features reach a layer that wants 8
    assert str(info.value) == (
        "Sequential[3] Layer(8 -> 2 relu, 18 parameters): expects 8 inputs, got 12"
    )
    assert type(info.value.__cause__) is ValueError
    assert str(info.value.__cause__) == "Layer(8 -> 2 relu, 18 parameters) expects 8 inputs, got 12"


def test_sequential_keeps_the_exception_type_and_indexes_nested_sequentials() -> None:
    conv = nn.Conv2d(1, 2, 3, seed=0)
    model = nn.Sequential(nn.Flatten(), nn.Sequential(nn.Flatten(), conv))
    with pytest.raises(
        ValueError, match=r"^Sequential\[1\]\[1\] Conv2d\(1 -> 2, 3×3, .*\): expects"
    ):
        model(np.zeros((1, 7, 9)))
    with pytest.raises(
        TypeError, match=r"^Sequential\[0\] Layer\(2 -> 1 relu, 3 parameters\): needs"
    ):
        nn.Sequential(nn.Layer(2, 1, seed=0))({"a": 1.0})


def test_an_error_of_a_module_without_a_repr_prefix_is_prefixed_whole() -> None:
    class Fails(nn.Module):
        def __call__(self, x: object) -> object:
            raise ZeroDivisionError("no room")

        def __repr__(self) -> str:
            return "Fails()"

    with pytest.raises(ZeroDivisionError, match=r"^Sequential\[1\] Fails\(\): no room$"):
        nn.Sequential(nn.Flatten(), Fails())([1.0])
