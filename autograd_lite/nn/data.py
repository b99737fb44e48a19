"""Small two-dimensional datasets for training and drawing decision boundaries.

Every maker returns ``(X, y)``: ``X`` a float array of shape (n_samples, 2)
and ``y`` an int array of labels, 0 and 1 by default or any other pair via
``labels`` (e.g. ``labels=(-1, 1)`` for the hinge loss). Points are shuffled;
``seed`` makes them reproducible (None: different every call), and
``noise`` is the standard deviation of Gaussian noise added to each
coordinate. numpy is imported only when a dataset is made. numpy integers and
floats are accepted wherever Python ones are; a negative or non-integral
size, a non-finite or negative noise, or a bad seed is refused by name.

Example:
    >>> from autograd_lite import data
    >>> X, y = data.make_moons(100, seed=0)
    >>> X.shape, y.shape, sorted(set(y.tolist()))
    ((100, 2), (100,), [0, 1])
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    Arrays = tuple[np.ndarray, np.ndarray]
else:
    Arrays = tuple


#: The most points a maker will make (each is a Python-level row later on).
MAX_SAMPLES = 10_000_000


def _is_int(x: object) -> bool:
    return isinstance(x, Integral) and not isinstance(x, bool)


def _finite(x: object, name: str, who: str) -> float:
    """A finite float (numpy floats too), or a ValueError naming the parameter."""
    if isinstance(x, bool) or not isinstance(x, Real) or not math.isfinite(x):
        raise ValueError(f"{who} {name} must be a finite number, got {x!r:.40}")
    return float(x)


def _check(
    n_samples: object, noise: object, seed: object, labels: object, who: str
) -> tuple[int, float, tuple[int, int]]:
    """The checked n_samples, noise and labels; the seed is checked too."""
    n = int(n_samples) if isinstance(n_samples, Integral) and not isinstance(n_samples, bool) else 0
    if not 1 <= n <= MAX_SAMPLES:
        raise ValueError(
            f"{who} n_samples must be an int from 1 to {MAX_SAMPLES}, got {n_samples!r:.40}"
        )
    sigma = _finite(noise, "noise", who)
    if sigma < 0:
        raise ValueError(f"{who} noise must be a number >= 0, got {noise!r}")
    if seed is not None and not (isinstance(seed, Integral) and _is_int(seed) and int(seed) >= 0):
        import numpy as np

        if not isinstance(seed, np.random.Generator):
            raise ValueError(
                f"{who} seed must be an int >= 0, None or a numpy Generator, got {seed!r:.40}"
            )
    pair = list(labels) if isinstance(labels, (tuple, list)) else []
    ints = [int(v) for v in pair if _is_int(v)]
    if len(pair) != 2 or len(ints) != 2 or ints[0] == ints[1]:
        raise ValueError(f"{who} labels must be two different ints like (0, 1), got {labels!r}")
    return n, sigma, (ints[0], ints[1])


def _rng(seed: Any) -> np.random.Generator:
    import numpy as np

    return (
        seed
        if isinstance(seed, np.random.Generator)
        else np.random.default_rng(None if seed is None else int(seed))
    )


def _finish(
    parts: list[Any], noise: float, labels: tuple[int, int], rng: np.random.Generator
) -> Arrays:
    """Stack the two classes' points, add noise, label and shuffle."""
    import numpy as np

    X = np.concatenate(parts).astype(float)
    X += rng.normal(0.0, noise, size=X.shape)
    y = np.concatenate([np.full(len(parts[0]), labels[0]), np.full(len(parts[1]), labels[1])])
    order = rng.permutation(len(X))
    return X[order], y[order].astype(np.int64)


def _split(n: int) -> tuple[int, int]:
    return n // 2, n - n // 2


def make_moons(
    n_samples: int = 100,
    noise: float = 0.1,
    seed: int | None = 0,
    labels: tuple[int, int] = (0, 1),
) -> Arrays:
    """Two interleaving half circles: the upper one is class ``labels[0]``.

    Example:
        >>> X, y = make_moons(6, noise=0.0, labels=(-1, 1))
        >>> sorted(set(y.tolist())), X.dtype
        ([-1, 1], dtype('float64'))
    """
    import numpy as np

    n_samples, noise, (negative, positive) = _check(n_samples, noise, seed, labels, "make_moons")
    rng = _rng(seed)
    n_upper, n_lower = _split(n_samples)
    t_upper = np.linspace(0.0, math.pi, n_upper)
    t_lower = np.linspace(0.0, math.pi, n_lower)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    return _finish([upper, lower], noise, (negative, positive), rng)


def make_xor(
    n_samples: int = 100,
    noise: float = 0.1,
    seed: int | None = 0,
    labels: tuple[int, int] = (0, 1),
) -> Arrays:
    """Four clusters at (±1, ±1); class ``labels[1]`` where the coordinates' signs differ.

    No straight line separates the classes, so a network needs a hidden layer.

    Example:
        >>> X, y = make_xor(4, noise=0.0)
        >>> sorted(zip(X.tolist(), y.tolist()))
        [([-1.0, -1.0], 0), ([-1.0, 1.0], 1), ([1.0, -1.0], 1), ([1.0, 1.0], 0)]
    """
    import numpy as np

    n_samples, noise, (negative, positive) = _check(n_samples, noise, seed, labels, "make_xor")
    rng = _rng(seed)
    corners = np.array([[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, -1.0]])
    # Points go round the four corners in turn: same-sign corners first, then mixed.
    n_same, n_mixed = _split(n_samples)
    same = corners[np.arange(n_same) % 2]
    mixed = corners[2 + np.arange(n_mixed) % 2]
    return _finish([same, mixed], noise, (negative, positive), rng)


def make_circles(
    n_samples: int = 100,
    noise: float = 0.1,
    seed: int | None = 0,
    labels: tuple[int, int] = (0, 1),
    factor: float = 0.5,
) -> Arrays:
    """A circle of radius 1 (class ``labels[0]``) around one of radius ``factor``.

    Example:
        >>> X, y = make_circles(8, noise=0.0)
        >>> sorted({round(float((x ** 2).sum()) ** 0.5, 6) for x in X})
        [0.5, 1.0]
    """
    import numpy as np

    n_samples, noise, (negative, positive) = _check(n_samples, noise, seed, labels, "make_circles")
    if not 0.0 < _finite(factor, "factor", "make_circles") < 1.0:
        raise ValueError(f"make_circles factor must be in (0, 1), got {factor!r}")
    rng = _rng(seed)
    n_outer, n_inner = _split(n_samples)
    t_outer = np.linspace(0.0, 2 * math.pi, n_outer, endpoint=False)
    t_inner = np.linspace(0.0, 2 * math.pi, n_inner, endpoint=False)
    outer = np.column_stack([np.cos(t_outer), np.sin(t_outer)])
    inner = factor * np.column_stack([np.cos(t_inner), np.sin(t_inner)])
    return _finish([outer, inner], noise, (negative, positive), rng)


def make_spirals(
    n_samples: int = 100,
    noise: float = 0.1,
    seed: int | None = 0,
    labels: tuple[int, int] = (0, 1),
    turns: float = 1.5,
) -> Arrays:
    """Two interleaved spiral arms with ``turns`` turns each, radius growing to 1.

    The second arm is the first turned by half a circle.

    Example:
        >>> X, y = make_spirals(200, noise=0.0, seed=1)
        >>> float(abs(X).max()) <= 1.0
        True
    """
    import numpy as np

    n_samples, noise, (negative, positive) = _check(n_samples, noise, seed, labels, "make_spirals")
    if not _finite(turns, "turns", "make_spirals") > 0:
        raise ValueError(f"make_spirals turns must be > 0, got {turns!r}")
    rng = _rng(seed)
    arms = []
    for n, offset in zip(_split(n_samples), (0.0, math.pi)):
        # Start a little way out: at the very centre the two arms would meet.
        r = np.linspace(0.1, 1.0, n)
        angle = 2 * math.pi * turns * r + offset
        arms.append(np.column_stack([r * np.cos(angle), r * np.sin(angle)]))
    return _finish(arms, noise, (negative, positive), rng)
