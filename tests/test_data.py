"""data: seeded 2-D datasets with the promised shapes, labels and geometry."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_lite import data

MAKERS = [data.make_moons, data.make_xor, data.make_circles, data.make_spirals]


@pytest.mark.parametrize("make", MAKERS)
def test_shapes_types_and_balanced_labels(make) -> None:  # type: ignore[no-untyped-def]
    X, y = make(101)
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert y.shape == (101,) and y.dtype.kind == "i"
    assert sorted(np.unique(y).tolist()) == [0, 1]
    assert abs(int((y == 0).sum()) - int((y == 1).sum())) <= 1


@pytest.mark.parametrize("make", MAKERS)
def test_same_seed_same_data_and_other_seed_other_data(make) -> None:  # type: ignore[no-untyped-def]
    X1, y1 = make(50, seed=3)
    X2, y2 = make(50, seed=3)
    X3, _ = make(50, seed=4)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("make", MAKERS)
def test_labels_option_gives_plus_minus_one(make) -> None:  # type: ignore[no-untyped-def]
    _, y01 = make(40, seed=1)
    _, ypm = make(40, seed=1, labels=(-1, 1))
    assert np.array_equal(ypm, 2 * y01 - 1)


@pytest.mark.parametrize("make", MAKERS)
def test_bad_arguments_are_value_errors(make) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="n_samples"):
        make(0)
    with pytest.raises(ValueError, match="noise"):
        make(10, noise=-0.1)
    with pytest.raises(ValueError, match="labels"):
        make(10, labels=(1, 1))


def test_moons_without_noise_lie_on_two_half_circles() -> None:
    X, y = data.make_moons(60, noise=0.0)
    upper, lower = X[y == 0], X[y == 1]
    assert np.allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    assert np.allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert (upper[:, 1] >= -1e-12).all() and (lower[:, 1] <= 0.5 + 1e-12).all()


def test_xor_label_is_one_where_signs_differ() -> None:
    X, y = data.make_xor(80, noise=0.0)
    assert np.array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))


def test_circles_without_noise_have_radius_one_and_factor() -> None:
    X, y = data.make_circles(40, noise=0.0, factor=0.3)
    r = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(r[y == 0], 1.0) and np.allclose(r[y == 1], 0.3)


def test_spiral_arms_are_half_a_turn_apart() -> None:
    X, y = data.make_spirals(40, noise=0.0)
    a, b = X[y == 0], X[y == 1]

    def by_radius(points: np.ndarray) -> np.ndarray:
        return points[np.argsort(np.hypot(points[:, 0], points[:, 1]))]

    assert np.allclose(by_radius(a), -by_radius(b))


def test_noise_is_gaussian_with_that_standard_deviation() -> None:
    clean, _ = data.make_moons(400, noise=0.0, seed=0)
    noisy, _ = data.make_moons(400, noise=0.2, seed=0)
    assert float(np.std(noisy - clean)) == pytest.approx(0.2, rel=0.1)
