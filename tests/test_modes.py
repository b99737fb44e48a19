"""no_grad, detach and numpy interoperation."""

from __future__ import annotations

import threading

import numpy as np

import autograd_lite as ag
from autograd_lite import Value


def test_no_grad_records_nothing() -> None:
    x = Value(2.0)
    with ag.no_grad():
        y = x * x + 1
        assert not ag.is_grad_enabled()
    assert y.data == 5.0 and y.inputs == () and y.op == ""
    assert ag.is_grad_enabled()
    assert (x * x).inputs == (x, x)


def test_no_grad_as_decorator_and_nested() -> None:
    @ag.no_grad()
    def predict(v: Value) -> Value:
        return v.exp()

    assert predict(Value(0.0)).inputs == ()
    ctx = ag.no_grad()
    with ctx, ctx:
        pass
    assert ag.is_grad_enabled()
    with ag.no_grad(), ag.enable_grad():
        assert (Value(1.0) + 1).inputs


def test_no_grad_restores_after_an_exception() -> None:
    try:
        with ag.no_grad():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert ag.is_grad_enabled()


def test_no_grad_is_per_thread() -> None:
    seen: dict[str, bool] = {}
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        inside.wait()
        seen["other"] = ag.is_grad_enabled()
        seen["records"] = bool((Value(1.0) * 2).inputs)
        release.set()

    t = threading.Thread(target=other)
    t.start()
    with ag.no_grad():
        inside.set()
        release.wait()
    t.join()
    assert seen == {"other": True, "records": True}


def test_detach_keeps_data_and_drops_history() -> None:
    x = Value(3.0, label="x")
    y = (x * 2).detach()
    assert y.data == 6.0 and y.inputs == () and y.is_leaf
    z = y * x
    z.backward()
    assert x.grad == 6.0 and y.grad == 3.0


def test_numpy_scalars_on_either_side_yield_values() -> None:
    x = Value(3.0)
    for scalar in (np.float64(2.0), np.float32(2.0), np.int64(2)):
        for y in (scalar * x, x * scalar, scalar + x, scalar - x, scalar / x, scalar**x):
            assert isinstance(y, Value)
    y = np.float64(2.0) * x
    y.backward()
    assert x.grad == 2.0


def test_object_arrays_of_values_work_with_numpy() -> None:
    w = np.array([[Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)]], dtype=object)
    v = np.array([Value(0.5), Value(-1.0)], dtype=object)
    out = np.dot(w, v)
    assert [o.data for o in out] == [-1.5, -2.5]
    loss = ag.sum(list(np.tanh(out * 2 + 1)))
    loss.backward()
    assert all(isinstance(x.grad, float) and x.grad != 0.0 for x in w.ravel())
    scaled = v * Value(2.0)
    assert scaled.dtype == object and scaled[0].data == 1.0
    assert (Value(2.0) * v)[1].data == -2.0
