"""nn state: state_dict and files round-trip exactly; a bad load raises and changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import nn

POINTS = [[0.3, -0.7], [1.5, 0.2], [-2.0, 4.0]]


def model() -> nn.MLP:
    return nn.MLP(2, [5, 3, 1], activation="tanh", seed=7)


def predictions(m: nn.MLP) -> list[float]:
    return [m(x).data for x in POINTS]  # type: ignore[union-attr]


def snapshot(m: nn.Module) -> list[tuple[str, float]]:
    """Every parameter by name, to compare a model before and after."""
    return [(name, p.data) for name, p in m.named_parameters()]


def test_state_dict_is_json_with_lists_for_weight_vectors() -> None:
    state = model().state_dict()
    assert isinstance(state["layers.0.neurons.0.w"], list)
    assert len(state["layers.0.neurons.0.w"]) == 2
    assert isinstance(state["layers.0.neurons.0.b"], float)
    assert json.loads(json.dumps(state)) == state


def test_state_dict_round_trip_gives_identical_predictions() -> None:
    a, b = model(), nn.MLP(2, [5, 3, 1], activation="tanh", seed=8)
    assert predictions(a) != predictions(b)
    b.load_state_dict(json.loads(json.dumps(a.state_dict())))
    assert predictions(a) == predictions(b)


def test_save_then_class_load_rebuilds_architecture_and_predictions(tmp_path: Path) -> None:
    a = model()
    a.save(tmp_path / "m.json")
    b = nn.MLP.load(tmp_path / "m.json")
    assert isinstance(b, nn.MLP)
    assert repr(b) == repr(a)
    assert predictions(b) == predictions(a)


def test_module_load_finds_the_class_from_the_file(tmp_path: Path) -> None:
    nn.Layer(3, 2, "sigmoid", seed=0).save(tmp_path / "layer.json")
    assert repr(nn.Module.load(tmp_path / "layer.json")) == "Layer(3 -> 2 sigmoid, 8 parameters)"
    with pytest.raises(ValueError, match="holds a Layer, not a MLP"):
        nn.MLP.load(tmp_path / "layer.json")


def test_instance_load_fills_an_existing_model(tmp_path: Path) -> None:
    a, b = model(), nn.MLP(2, [5, 3, 1], activation="tanh", seed=9)
    a.save(tmp_path / "m.json")
    b.load(tmp_path / "m.json")
    assert predictions(b) == predictions(a)


def test_instance_load_of_another_architecture_raises_and_changes_nothing(tmp_path: Path) -> None:
    nn.MLP(2, [5, 3, 1], activation="relu", seed=0).save(tmp_path / "relu.json")
    m = model()
    before = snapshot(m)
    with pytest.raises(ValueError, match="does not match"):
        m.load(tmp_path / "relu.json")
    assert snapshot(m) == before


def saved_state(tmp_path: Path, change: Any) -> Path:
    """Save the reference model, let ``change`` edit the JSON payload, write it back."""
    path = tmp_path / "m.json"
    model().save(path)
    payload = json.loads(path.read_text())
    change(payload["state"])
    path.write_text(json.dumps(payload))
    return path


BAD_STATES = {
    "wrong shape": (
        lambda s: s["layers.1.neurons.0.w"].append(0.5),
        ValueError,
        "needs a list of 5 numbers, got a list of 6",
    ),
    "list for a bias": (
        lambda s: s.update({"layers.0.neurons.2.b": [0.1]}),
        ValueError,
        "needs a single number",
    ),
    "missing key": (lambda s: s.pop("layers.2.neurons.0.b"), ValueError, "missing keys"),
    "extra key": (lambda s: s.update({"layers.9.w": [1.0]}), ValueError, "unexpected keys"),
    "non-numeric value": (
        lambda s: s["layers.0.neurons.1.w"].__setitem__(1, "0.5"),
        TypeError,
        "needs a number, got str",
    ),
    "boolean value": (lambda s: s.update({"layers.0.neurons.0.b": True}), TypeError, "bool"),
    "null value": (lambda s: s.update({"layers.0.neurons.0.b": None}), TypeError, "NoneType"),
}


@pytest.mark.parametrize("case", list(BAD_STATES))
def test_bad_file_raises_clearly_and_leaves_model_exactly_as_it_was(
    tmp_path: Path, case: str
) -> None:
    change, error, message = BAD_STATES[case]
    path = saved_state(tmp_path, change)
    target = nn.MLP(2, [5, 3, 1], activation="tanh", seed=99)
    before = snapshot(target)
    with pytest.raises(error, match=message):
        target.load(path)
    assert snapshot(target) == before
    with pytest.raises(error, match=message):
        nn.MLP.load(path)


@pytest.mark.parametrize("case", list(BAD_STATES))
def test_bad_state_dict_raises_and_leaves_model_exactly_as_it_was(case: str) -> None:
    change, error, message = BAD_STATES[case]
    state = json.loads(json.dumps(model().state_dict()))
    change(state)
    target = nn.MLP(2, [5, 3, 1], activation="tanh", seed=99)
    before = snapshot(target)
    with pytest.raises(error, match=message):
        target.load_state_dict(state)
    assert snapshot(target) == before


def test_a_bad_value_late_in_the_state_changes_no_earlier_parameter() -> None:
    m = model()
    state = m.state_dict()
    new = {k: ([v + 1 for v in x] if isinstance(x, list) else x + 1) for k, x in state.items()}
    new["layers.2.neurons.0.b"] = "oops"  # the very last entry
    before = snapshot(m)
    with pytest.raises(TypeError):
        m.load_state_dict(new)
    assert snapshot(m) == before


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_values_are_rejected(value: float) -> None:
    m = model()
    state = m.state_dict()
    state["layers.0.neurons.0.b"] = value
    before = snapshot(m)
    with pytest.raises(ValueError, match="finite"):
        m.load_state_dict(state)
    assert snapshot(m) == before


def test_corrupt_json_raises_clearly_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    model().save(path)
    path.write_text(path.read_text()[:-40])  # truncated
    target = model()
    for p in target.parameters():
        p.data += 1.0
    before = snapshot(target)
    with pytest.raises(ValueError, match="corrupt JSON"):
        target.load(path)
    assert snapshot(target) == before
    with pytest.raises(ValueError, match="corrupt JSON"):
        nn.MLP.load(path)


def test_a_json_file_that_is_not_a_model_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"hello": "world"}))
    with pytest.raises(ValueError, match="not a model file"):
        nn.MLP.load(path)


def test_load_state_dict_needs_a_mapping() -> None:
    with pytest.raises(TypeError, match="needs a dict"):
        model().load_state_dict([1.0, 2.0])  # type: ignore[arg-type]


def test_a_model_with_nan_parameters_refuses_to_save(tmp_path: Path) -> None:
    m = model()
    m.parameters()[3].data = float("nan")
    with pytest.raises(ValueError, match="non-finite"):
        m.save(tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


def test_save_overwrites_an_existing_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    nn.MLP(2, [50, 1], seed=0).save(path)
    model().save(path)
    assert repr(nn.Module.load(path)) == repr(model())
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]
