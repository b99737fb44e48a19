"""Inputs to models and data sets: sequences only, numpy integers welcome, bad numbers named."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograd_lite import Value, data, nn

NOT_SEQUENCES = {
    "dict": {0: 5.0, 1: 7.0},
    "set": {5.0, 7.0},
    "frozenset": frozenset({5.0, 7.0}),
    "dict keys": {5.0: 0, 7.0: 1}.keys(),
    "str": "57",
    "bytes": b"57",
    "generator": (v for v in (5.0, 7.0)),
    "None": None,
}


@pytest.mark.parametrize("case", list(NOT_SEQUENCES))
@pytest.mark.parametrize(
    "model", [nn.MLP(2, [3, 1], seed=0), nn.Layer(2, 2, seed=0), nn.Neuron(2, seed=0)], ids=repr
)
def test_an_unordered_or_non_sequence_input_is_a_type_error(model: Any, case: str) -> None:
    with pytest.raises(TypeError, match="needs a list, tuple or 1-D array"):
        model(NOT_SEQUENCES[case])


@pytest.mark.parametrize(
    "x", [[5.0, 7.0], (5.0, 7.0), np.array([5.0, 7.0]), range(5, 8, 2), [Value(5.0), 7]], ids=repr
)
def test_sequences_and_arrays_are_inputs(x: Any) -> None:
    assert nn.MLP(2, [3, 1], seed=0)(x).data == nn.MLP(2, [3, 1], seed=0)([5.0, 7.0]).data


def test_numpy_integers_are_sizes_and_seeds(tmp_path: Path) -> None:
    i64, i32 = np.int64, np.int32
    m = nn.MLP(i64(2), [i32(3), i64(1)], seed=i64(4))
    assert m.state_dict() == nn.MLP(2, [3, 1], seed=4).state_dict()
    assert nn.MLP(2, np.array([3, 1]), seed=0).config()["nouts"] == [3, 1]
    assert repr(nn.Layer(i32(2), i64(3), seed=i32(1))) == "Layer(2 -> 3 relu, 9 parameters)"
    assert nn.Neuron(i64(2), seed=i64(0)).config() == {"nin": 2, "activation": "relu"}
    m.save(tmp_path / "m.json")  # the config holds plain ints, so JSON takes it
    assert nn.MLP.load(tmp_path / "m.json").config() == m.config()


@pytest.mark.parametrize(
    "seed, error",
    [(-1, ValueError), (np.int64(-3), ValueError), (1.5, TypeError), ("0", TypeError)],
)
def test_a_bad_model_seed_is_refused(seed: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="seed must be"):
        nn.MLP(2, [3, 1], seed=seed)


@pytest.mark.parametrize("size", [0, -2, 2.0, True, np.float64(2.0), "2", None])
def test_a_bad_size_is_refused(size: Any) -> None:
    with pytest.raises(ValueError, match="positive int"):
        nn.Layer(2, size)


# --- data sets -------------------------------------------------------------------

MAKERS = [data.make_moons, data.make_xor, data.make_circles, data.make_spirals]


@pytest.mark.parametrize("maker", MAKERS, ids=lambda f: f.__name__)
def test_numpy_numbers_are_accepted_by_every_maker(maker: Any) -> None:
    X, y = maker(
        np.int64(10), noise=np.float32(0.1), seed=np.int64(3), labels=(np.int64(-1), np.int32(1))
    )
    X2, y2 = maker(10, noise=float(np.float32(0.1)), seed=3, labels=(-1, 1))
    assert (X == X2).all() and (y == y2).all() and sorted(set(y.tolist())) == [-1, 1]


BAD_DATA_ARGS: list[tuple[dict[str, Any], str]] = [
    ({"noise": math.inf}, "noise must be a finite number, got inf"),
    ({"noise": math.nan}, "noise must be a finite number, got nan"),
    ({"noise": -0.1}, "noise must be a number >= 0"),
    ({"noise": "0.1"}, "noise must be a finite number"),
    ({"noise": None}, "noise must be a finite number"),
    ({"n_samples": -5}, "n_samples must be an int from 1"),
    ({"n_samples": 0}, "n_samples must be an int from 1"),
    ({"n_samples": 2.5}, "n_samples must be an int from 1"),
    ({"n_samples": True}, "n_samples must be an int from 1"),
    ({"n_samples": 10**12}, "n_samples must be an int from 1 to 10000000"),
    ({"seed": -1}, "seed must be an int >= 0"),
    ({"seed": 1.5}, "seed must be an int >= 0"),
    ({"seed": "0"}, "seed must be an int >= 0"),
    ({"labels": (0, 0)}, "labels must be two different ints"),
    ({"labels": (0.0, 1.0)}, "labels must be two different ints"),
]


@pytest.mark.parametrize("maker", MAKERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("kwargs, message", BAD_DATA_ARGS, ids=[repr(a) for a, _ in BAD_DATA_ARGS])
def test_a_bad_data_set_parameter_is_a_value_error_naming_it(
    maker: Any, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        maker(**kwargs)


@pytest.mark.parametrize(
    "maker, kwargs, message",
    [
        (data.make_circles, {"factor": math.nan}, "factor must be a finite number"),
        (data.make_circles, {"factor": 1.0}, r"factor must be in \(0, 1\)"),
        (data.make_spirals, {"turns": math.inf}, "turns must be a finite number"),
        (data.make_spirals, {"turns": -1}, "turns must be > 0"),
    ],
)
def test_a_bad_shape_parameter_is_named(maker: Any, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        maker(**kwargs)


def test_a_numpy_generator_is_a_seed() -> None:
    X1, _ = data.make_moons(10, seed=np.random.default_rng(5))
    X2, _ = data.make_moons(10, seed=np.random.default_rng(5))
    assert (X1 == X2).all()
