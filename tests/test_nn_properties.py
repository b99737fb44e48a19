"""Properties over random architectures: round trips, parameter counts, gradients."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value, losses, nn

ACTIVATION = st.sampled_from(sorted(nn.ACTIVATIONS))
ARCHITECTURE = st.tuples(
    st.integers(1, 4),
    st.lists(st.tuples(st.integers(1, 4), ACTIVATION), min_size=1, max_size=4),
    st.integers(0, 2**32 - 1),
)
#: Smooth activations only: relu's kink would trip the finite differences.
SMOOTH = st.tuples(
    st.integers(1, 4),
    st.lists(
        st.tuples(st.integers(1, 4), st.sampled_from(["linear", "sigmoid", "tanh"])),
        min_size=1,
        max_size=3,
    ),
    st.integers(0, 2**32 - 1),
)
FINITE = st.floats(-5.0, 5.0, allow_nan=False)


def outputs(model: nn.MLP, x: list[float]) -> list[float]:
    out = model(x)
    return [out.data] if isinstance(out, Value) else [v.data for v in out]


def build(arch: tuple[int, list[tuple[int, str]], int]) -> nn.MLP:
    nin, layers, seed = arch
    return nn.MLP(nin, [n for n, _ in layers], activation=[a for _, a in layers], seed=seed)


@settings(max_examples=40, deadline=None)
@given(ARCHITECTURE, st.data())
def test_state_round_trip_through_json_gives_identical_outputs(arch, data) -> None:  # type: ignore[no-untyped-def]
    model = build(arch)
    x = data.draw(st.lists(FINITE, min_size=arch[0], max_size=arch[0]))
    rebuilt = nn.MLP(**model.config())
    rebuilt.load_state_dict(json.loads(json.dumps(model.state_dict())))
    assert outputs(model, x) == outputs(rebuilt, x)


@settings(max_examples=40, deadline=None)
@given(ARCHITECTURE)
def test_parameter_count_and_names_follow_the_architecture(arch) -> None:  # type: ignore[no-untyped-def]
    model = build(arch)
    sizes = [arch[0], *(n for n, _ in arch[1])]
    expected = sum((a + 1) * b for a, b in itertools.pairwise(sizes))
    names = [name for name, _ in model.named_parameters()]
    assert len(model.parameters()) == expected == len(set(names))
    assert f"{expected} parameters" in repr(model)


@settings(max_examples=30, deadline=None)
@given(SMOOTH, st.data())
def test_parameter_gradients_match_finite_differences(arch, data) -> None:  # type: ignore[no-untyped-def]
    model = build(arch)
    x = data.draw(st.lists(st.floats(-2.0, 2.0), min_size=arch[0], max_size=arch[0]))

    def loss() -> Value:
        out = model(x)
        return losses.mse(out, [0.3] * len(out)) if isinstance(out, list) else losses.mse(out, 0.3)

    loss().backward()
    p = data.draw(st.sampled_from(model.parameters()))
    saved, eps = p.data, 1e-6
    p.data = saved + eps
    up = loss().data
    p.data = saved - eps
    down = loss().data
    p.data = saved
    assert p.grad == pytest.approx((up - down) / (2 * eps), rel=1e-4, abs=1e-7)
