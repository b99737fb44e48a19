"""Properties: SGD and Adam agree with torch.optim for any hyperparameters and gradients."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value, optim

torch = pytest.importorskip("torch")

START = (0.5, -1.5, 2.0)
GRADS = st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=3, max_size=3)


@settings(max_examples=30, deadline=None)
@given(
    st.floats(1e-4, 1.0),
    st.floats(0.0, 0.99),
    st.floats(0.0, 0.1),
    st.booleans(),
    st.lists(GRADS, min_size=1, max_size=6),
)
def test_sgd_matches_torch_for_any_hyperparameters(lr, momentum, wd, nesterov, grads) -> None:  # type: ignore[no-untyped-def]
    nesterov = nesterov and momentum > 0
    ours = [Value(v) for v in START]
    theirs = [torch.tensor(v, dtype=torch.float64) for v in START]
    opt = optim.SGD(ours, lr=lr, momentum=momentum, weight_decay=wd, nesterov=nesterov)
    ref = torch.optim.SGD(theirs, lr=lr, momentum=momentum, weight_decay=wd, nesterov=nesterov)
    for gs in grads:
        for p, q, g in zip(ours, theirs, gs):
            p.grad, q.grad = g, torch.tensor(g, dtype=torch.float64)
        opt.step()
        ref.step()
    for p, q in zip(ours, theirs):
        assert math.isclose(p.data, q.item(), rel_tol=1e-12, abs_tol=1e-12)


@settings(max_examples=30, deadline=None)
@given(
    st.floats(1e-4, 0.5),
    st.floats(0.0, 0.99),
    st.floats(0.5, 0.9999),
    st.floats(1e-10, 1e-4),
    st.floats(0.0, 0.1),
    st.lists(GRADS, min_size=1, max_size=6),
)
def test_adam_matches_torch_for_any_hyperparameters(lr, beta1, beta2, eps, wd, grads) -> None:  # type: ignore[no-untyped-def]
    ours = [Value(v) for v in START]
    theirs = [torch.tensor(v, dtype=torch.float64) for v in START]
    opt = optim.Adam(ours, lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=wd)
    ref = torch.optim.Adam(theirs, lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=wd)
    for gs in grads:
        for p, q, g in zip(ours, theirs, gs):
            p.grad, q.grad = g, torch.tensor(g, dtype=torch.float64)
        opt.step()
        ref.step()
    for p, q in zip(ours, theirs):
        assert math.isclose(p.data, q.item(), rel_tol=1e-12, abs_tol=1e-12)
