"""draw_model walks a Sequential like an MLP, and names a layer it cannot draw."""

from __future__ import annotations

import pytest

import autograd_lite as ag
from autograd_lite import nn


def test_draw_model_draws_a_sequential_of_layers_and_mlps() -> None:
    model = nn.Sequential(nn.Flatten(), nn.Layer(4, 3, "tanh", seed=0), nn.MLP(3, [2, 1], seed=0))
    text = ag.draw_model(model).text
    assert text.splitlines()[0] == (
        f"Sequential: 4 inputs → 3 tanh → 2 relu → 1 linear, {len(model.parameters())} parameters"
    )


@pytest.mark.parametrize(
    ("model", "name"),
    [
        (nn.Conv2d(1, 2, 3, seed=0), "Conv2d"),
        (nn.RNN(1, 2, seed=0), "RNN"),
        (nn.Sequential(nn.Flatten(), nn.Conv2d(1, 2, 3, seed=0)), "Conv2d"),
    ],
)
def test_draw_model_names_the_layer_it_cannot_draw(model: nn.Module, name: str) -> None:
    with pytest.raises(TypeError, match=rf"draw_model\(\).*got {name};.*draw_graph"):
        ag.draw_model(model)
