"""Model files of the new layers are checked against their config before anything is built.

Conv2d, MaxPool2d, Flatten, RNN and Sequential compute their ``state_shapes``
from the config alone, so a tiny hostile file claiming a huge layer is
refused in milliseconds, and a bad config is refused with the same error the
constructor would give.
"""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import nn
from autograd_lite.nn import ModelFileError


def conv_entry(**config: Any) -> dict[str, Any]:
    return {"class": "Conv2d", "config": config}


BUILT = [
    nn.Conv2d(2, 3, 2, stride=2, padding=1, activation="tanh", seed=0),
    nn.Conv2d(1, 1, 1, seed=0),
    nn.MaxPool2d(3),
    nn.Flatten(),
    nn.RNN(2, 3, activation="relu", seed=0),
    nn.RNN(1, 1, seed=0),
    nn.Sequential(
        nn.Conv2d(1, 2, 3, seed=0),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Sequential(nn.Layer(2, 2, seed=0), nn.MLP(2, [3, 1], seed=0)),
    ),
    nn.Sequential(nn.RNN(1, 2, seed=0)),
]


@pytest.mark.parametrize("module", BUILT, ids=repr)
def test_declared_state_shapes_match_the_built_module(module: nn.Module) -> None:
    built = [(k, (len(v),) if isinstance(v, list) else ()) for k, v in module.state_dict().items()]
    assert list(type(module).state_shapes(module.config())) == built


HUGE_RNN = {"class": "RNN", "config": {"nin": 1, "nhidden": 10**6}}
HUGE: dict[str, tuple[str, dict[str, Any]]] = {
    "Conv2d out_channels": ("Conv2d", {"in_channels": 1, "out_channels": 10**6, "kernel_size": 3}),
    "Conv2d in_channels": ("Conv2d", {"in_channels": 10**6, "out_channels": 1, "kernel_size": 3}),
    "Conv2d kernel_size": ("Conv2d", {"in_channels": 1, "out_channels": 1, "kernel_size": 10**6}),
    "RNN nhidden": ("RNN", {"nin": 1, "nhidden": 10**6}),
    "RNN nin": ("RNN", {"nin": 10**9, "nhidden": 2}),
    "Sequential with a huge conv": (
        "Sequential",
        {
            "layers": [
                {"class": "Flatten", "config": {}},
                conv_entry(in_channels=3, out_channels=10**6, kernel_size=5),
            ]
        },
    ),
    "Sequential in a Sequential": (
        "Sequential",
        {"layers": [{"class": "Sequential", "config": {"layers": [HUGE_RNN]}}]},
    ),
}


def write(tmp_path: Path, kind: str, config: dict[str, Any], state: dict[str, Any]) -> Path:
    path = tmp_path / "hostile.json"
    payload = {"format": "autograd_lite.nn", "version": 1, "class": kind}
    path.write_text(json.dumps({**payload, "config": config, "state": state}))
    return path


@pytest.fixture
def nothing_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a module was built")

    for cls in (nn.Conv2d, nn.RNN, nn.Sequential, nn.Flatten, nn.MaxPool2d, nn.Layer):
        monkeypatch.setattr(cls, "__init__", never)


@pytest.mark.usefixtures("nothing_is_built")
@pytest.mark.parametrize("case", HUGE)
def test_a_tiny_file_claiming_a_huge_layer_fails_fast_without_building_it(
    tmp_path: Path, case: str
) -> None:
    kind, config = HUGE[case]
    path = write(tmp_path, kind, config, {})
    assert path.stat().st_size < 400
    tracemalloc.start()
    with pytest.raises(ModelFileError, match=r"missing keys|more than the 2000000 parameters"):
        nn.Module.load(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 5_000_000  # nothing the size of the claimed layer was allocated


@pytest.mark.usefixtures("nothing_is_built")
def test_a_file_with_the_keys_of_a_huge_conv_stops_at_the_parameter_limit(tmp_path: Path) -> None:
    # Every row present, each a list of a million numbers: the limit is reached
    # after two rows, before the third is looked at.
    config = {"in_channels": 1, "out_channels": 1, "kernel_size": 10**6}
    row = [0.0] * 10**6
    path = write(tmp_path, "Conv2d", config, {"weight.0.0.0": row, "weight.0.0.1": row})
    with pytest.raises(ModelFileError, match="more than the 2000000 parameters"):
        nn.Conv2d.load(path)


BAD_CONFIGS: dict[str, tuple[str, dict[str, Any], str]] = {
    "a conv with padding -1": (
        "Conv2d",
        {"in_channels": 1, "out_channels": 1, "kernel_size": 3, "padding": -1},
        "padding must be an int >= 0",
    ),
    "a conv with an unknown key": (
        "Conv2d",
        {"in_channels": 1, "out_channels": 1, "kernel_size": 3, "dilation": 2},
        "unknown keys 'dilation'",
    ),
    "a conv with stride 0": (
        "Conv2d",
        {"in_channels": 1, "out_channels": 1, "kernel_size": 3, "stride": 0},
        "stride must be a positive int",
    ),
    "a conv with a padding too large to compute with": (
        "Conv2d",
        {"in_channels": 1, "out_channels": 1, "kernel_size": 3, "padding": 10**20},
        "padding must be at most 65536, got 100000000000000000000",
    ),
    "a conv with a stride too large to compute with": (
        "Conv2d",
        {"in_channels": 1, "out_channels": 1, "kernel_size": 3, "stride": 2**16 + 1},
        "stride must be at most 65536, got 65537",
    ),
    "an RNN with an unknown activation": (
        "RNN",
        {"nin": 1, "nhidden": 2, "activation": "softmax"},
        "unknown activation",
    ),
    "an RNN without nhidden": ("RNN", {"nin": 1}, "missing keys 'nhidden'"),
    "a pool of size 0": ("MaxPool2d", {"kernel_size": 0}, "kernel_size must be a positive int"),
    "a Flatten with arguments": ("Flatten", {"start_dim": 1}, "unknown keys 'start_dim'"),
    "an empty Sequential": ("Sequential", {"layers": []}, "at least one module"),
    "a Sequential of the abstract base class": (
        "Sequential",
        {"layers": [{"class": "Module", "config": {}}]},
        "no Module class 'Module'",
    ),
    "a Sequential of an unknown class": (
        "Sequential",
        {"layers": [{"class": "Conv3d", "config": {}}]},
        "layer 0: no Module class 'Conv3d'",
    ),
    "a Sequential whose second layer is bad": (
        "Sequential",
        {"layers": [{"class": "Flatten", "config": {}}, conv_entry(in_channels=0)]},
        "Conv2d config has missing keys",
    ),
}


@pytest.mark.usefixtures("nothing_is_built")
@pytest.mark.parametrize("case", BAD_CONFIGS)
def test_a_bad_config_is_refused_before_building_naming_the_problem(
    tmp_path: Path, case: str
) -> None:
    kind, config, message = BAD_CONFIGS[case]
    path = write(tmp_path, kind, config, {})
    with pytest.raises(ModelFileError, match=f"cannot rebuild the {kind}: .*{message}"):
        nn.Module.load(path)


class Inert(nn.Module):
    """A module without ``__call__``: it cannot be a step of a Sequential."""


def test_a_sequential_of_a_module_that_cannot_be_called_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "Sequential", {"layers": [{"class": "Inert", "config": {}}]}, {})
    with pytest.raises(ModelFileError, match="layer 0: a Inert cannot be called"):
        nn.Sequential.load(path)


def test_a_saved_sequential_still_round_trips(tmp_path: Path) -> None:
    model = BUILT[6]
    model.save(tmp_path / "m.json")
    copy = nn.Module.load(tmp_path / "m.json")
    assert copy.state_dict() == model.state_dict() and copy.config() == model.config()
