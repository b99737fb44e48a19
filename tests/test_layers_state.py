"""Conv2d, MaxPool2d, RNN, Flatten and Sequential save and load like the MLP: strict, atomic."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograd_lite import nn

IMAGE = np.random.default_rng(0).normal(size=(2, 6, 6))
SEQUENCE = np.random.default_rng(1).normal(size=(4, 2))


def cnn(seed: int = 0) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(2, 3, 3, padding=1, activation="tanh", seed=seed),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.MLP(27, [4, 2], seed=seed),
    )


# (factory, forward) per model: forward gives plain floats to compare.
MODELS: dict[str, tuple[Callable[[int], nn.Module], Callable[[Any], list[float]]]] = {
    "Conv2d": (
        lambda s: nn.Conv2d(2, 2, 3, stride=2, padding=1, seed=s),
        lambda m: [v.data for v in nn.Flatten()(m(IMAGE))],
    ),
    "RNN": (
        lambda s: nn.RNN(2, 3, activation="relu", seed=s),
        lambda m: [v.data for h in m(SEQUENCE) for v in h],
    ),
    "Sequential": (cnn, lambda m: [v.data for v in m(IMAGE)]),
}


def snapshot(m: nn.Module) -> list[tuple[str, float]]:
    return [(name, p.data) for name, p in m.named_parameters()]


@pytest.mark.parametrize("kind", MODELS)
def test_class_load_rebuilds_architecture_and_outputs_exactly(kind: str, tmp_path: Path) -> None:
    make, forward = MODELS[kind]
    model = make(3)
    path = tmp_path / "model.json"
    model.save(path)
    for loader in (type(model), nn.Module):
        copy = loader.load(path)
        assert type(copy) is type(model)
        assert copy.config() == model.config()
        assert forward(copy) == forward(model)


@pytest.mark.parametrize("kind", MODELS)
def test_instance_load_fills_an_existing_model(kind: str, tmp_path: Path) -> None:
    make, forward = MODELS[kind]
    a, b = make(1), make(2)
    assert forward(a) != forward(b)
    a.save(tmp_path / "a.json")
    b.load(tmp_path / "a.json")
    assert forward(a) == forward(b)


def test_pooling_and_flatten_round_trip(tmp_path: Path) -> None:
    nn.MaxPool2d(3).save(tmp_path / "pool.json")
    assert nn.Module.load(tmp_path / "pool.json").kernel_size == 3  # type: ignore[attr-defined]
    nn.Flatten().save(tmp_path / "flat.json")
    assert isinstance(nn.Module.load(tmp_path / "flat.json"), nn.Flatten)


def test_state_dict_is_json_with_kernel_rows_as_lists() -> None:
    state = nn.Conv2d(2, 3, 2, seed=0).state_dict()
    assert len(state["weight.2.1.0"]) == 2 and len(state["bias"]) == 3
    assert json.loads(json.dumps(state)) == state
    assert sorted(nn.RNN(1, 2).state_dict()) == ["b", "w_hh.0", "w_hh.1", "w_ih.0", "w_ih.1"]


@pytest.mark.parametrize(
    ("kind", "key", "bad"),
    [
        ("Conv2d", "weight.1.0.2", [0.0, 0.0]),  # a kernel row too short
        ("Conv2d", "bias", [0.0, 0.0, 0.0]),  # one bias too many
        ("RNN", "w_hh.2", [0.0, 0.0]),
        ("RNN", "b", 1.0),
        ("Sequential", "3.layers.0.neurons.0.w", [0.0] * 26),
    ],
)
def test_a_wrong_size_raises_and_changes_nothing(kind: str, key: str, bad: Any) -> None:
    model = MODELS[kind][0](0)
    state = model.state_dict()
    first = next(iter(state))  # a valid new value before the bad one must not land either
    state[first] = [7.0] * len(state[first]) if isinstance(state[first], list) else 7.0
    state[key] = bad
    before = snapshot(model)
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        model.load_state_dict(state)
    assert snapshot(model) == before


def test_missing_and_unexpected_keys_raise_and_change_nothing() -> None:
    model = cnn()
    before = snapshot(model)
    state = model.state_dict()
    del state["0.bias"]
    state["0.weight.9.0.0"] = [0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match=r"missing keys \['0\.bias'\].*unexpected keys"):
        model.load_state_dict(state)
    assert snapshot(model) == before


def test_loading_another_architecture_raises_and_changes_nothing(tmp_path: Path) -> None:
    nn.Conv2d(2, 2, 3, seed=0).save(tmp_path / "conv.json")
    other = nn.Conv2d(2, 2, 3, stride=2, seed=1)
    before = snapshot(other)
    with pytest.raises(ValueError, match="does not match"):
        other.load(tmp_path / "conv.json")
    assert snapshot(other) == before
    with pytest.raises(ValueError, match="not a RNN"):
        nn.RNN.load(tmp_path / "conv.json")


def test_a_corrupt_sequential_config_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    cnn().save(path)
    payload = json.loads(path.read_text())
    payload["config"]["layers"][1]["class"] = "Nonsense"
    path.write_text(json.dumps(payload))
    with pytest.raises(ValueError, match=r"cannot rebuild the Sequential.*layer 1.*'Nonsense'"):
        nn.Module.load(path)
    payload["config"]["layers"][1] = {"class": "Conv2d", "config": {"in_channels": 0}}
    path.write_text(json.dumps(payload))
    with pytest.raises(ValueError, match="cannot rebuild the Sequential"):
        nn.Sequential.load(path)


def test_save_writes_atomically_and_refuses_non_finite_parameters(tmp_path: Path) -> None:
    path = tmp_path / "rnn.json"
    good = nn.RNN(2, 2, seed=0)
    good.save(path)
    text = path.read_text()
    bad = nn.RNN(2, 2, seed=1)
    bad.w_hh[1][0].data = float("nan")
    with pytest.raises(ValueError, match=r"w_hh\.1\.0"):
        bad.save(path)
    assert path.read_text() == text  # the old file is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["rnn.json"]
