"""no_grad, detach and numpy interoperation."""

from __future__ import annotations

import threading

import numpy as np
import pytest

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


# --- no_grad shared by threads, bare or called, on generators -------------------


def test_one_no_grad_instance_shared_by_threads_restores_each_thread() -> None:
    import threading

    shared = ag.no_grad()
    barrier = threading.Barrier(2)
    seen: list[bool] = []

    def work() -> None:
        for _ in range(200):
            with shared:
                barrier.wait()
            seen.append(ag.is_grad_enabled())

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [True] * 400
    assert ag.is_grad_enabled()


def test_no_grad_works_as_a_bare_decorator() -> None:
    @ag.no_grad
    def infer(x: ag.Value) -> ag.Value:
        return x * 2

    assert infer(ag.Value(1.0)).inputs == ()
    assert infer.__name__ == "infer"


def test_no_grad_covers_the_body_of_a_generator_function() -> None:
    @ag.no_grad()
    def batches(x: ag.Value):  # type: ignore[no-untyped-def]
        for k in range(3):
            yield x * k, ag.is_grad_enabled()

    x = ag.Value(2.0)
    gen = batches(x)
    first, enabled = next(gen)
    assert first.inputs == () and enabled is False
    assert ag.is_grad_enabled()  # restored between resumptions
    assert all(not on for _, on in gen)
    assert ag.is_grad_enabled()


def test_enable_grad_inside_a_no_grad_generator_and_closing_it_early() -> None:
    @ag.no_grad
    def numbers():  # type: ignore[no-untyped-def]
        with ag.enable_grad():
            yield ag.is_grad_enabled()
        yield ag.is_grad_enabled()

    gen = numbers()
    assert next(gen) is True
    gen.close()
    assert ag.is_grad_enabled()


def test_no_grad_with_an_argument_that_is_not_callable_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="no_grad"):
        ag.no_grad(3)  # type: ignore[call-overload]
