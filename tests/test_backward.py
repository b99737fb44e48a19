"""backward(): exact accumulation, sharing, depth, memory and determinism."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
import weakref

import pytest

import autograd_lite as ag
from autograd_lite import Value


def test_backward_twice_gives_exactly_twice_on_every_leaf() -> None:
    x, y = Value(1.5, label="x"), Value(-0.7, label="y")
    h = (x * y).tanh()
    z = h * h + h.exp() * x
    z.backward()
    once = (x.grad, y.grad, h.grad)
    z.backward()
    assert (x.grad, y.grad, h.grad) == tuple(2 * g for g in once)
    z.backward()
    assert (x.grad, y.grad) == (3 * once[0], 3 * once[1])


def test_node_reused_a_thousand_times() -> None:
    x = Value(0.5)
    total = x
    for _ in range(999):
        total = total + x
    total.backward()
    assert x.grad == 1000.0
    product = ag.sum([x * x for _ in range(1000)])
    x.grad = 0.0
    product.backward()
    assert x.grad == 1000.0


def test_every_node_gets_its_gradient() -> None:
    a = Value(2.0)
    b = a * 3
    c = b + a
    c.backward()
    assert (c.grad, b.grad, a.grad) == (1.0, 1.0, 4.0)


def test_backward_with_custom_seed() -> None:
    x = Value(3.0)
    (x * x).backward(gradient=0.5)
    assert x.grad == 3.0


def test_zero_grad_clears_the_whole_graph() -> None:
    x = Value(2.0)
    y = (x * x).exp()
    y.backward()
    y.zero_grad()
    assert all(n.grad == 0.0 for n in ag.topological_order(y))


def test_million_deep_chain_without_recursion() -> None:
    x = Value(1.0, label="x")
    y = x
    for _ in range(1_000_000):
        y = y + 1e-6
    y.backward()
    assert x.grad == 1.0
    y.zero_grad()
    assert x.grad == 0.0
    assert "op='+'" in repr(y)
    assert len(ag.topological_order(y)) == 2_000_001
    del y  # freeing a deep chain must not overflow the C stack either


def test_dropped_graph_is_freed_without_the_cyclic_collector() -> None:
    gc.disable()
    try:
        x = Value(2.0)
        y = (x * x + x.exp()).tanh() * ag.dot([x, 1.0], [3.0, x], bias=1.0)
        y.backward()
        ref = weakref.ref(y)
        mid = weakref.ref(y.inputs[0])
        del y
        assert ref() is None and mid() is None
    finally:
        gc.enable()


def test_create_graph_gradients_are_differentiable() -> None:
    x = Value(3.0)
    y = x**3
    y.backward(create_graph=True)
    gx = x.grad
    assert isinstance(gx, Value) and gx.data == 27.0
    x.grad = 0.0
    gx.backward()
    assert x.grad == 18.0  # d(3x^2)/dx


PROGRAM = textwrap.dedent(
    """
    import random
    from autograd_lite import Value
    import autograd_lite as ag
    rng = random.Random(7)
    leaves = [Value(rng.uniform(-1, 1)) for _ in range(20)]
    pool = list(leaves)
    for _ in range(400):
        a, b = rng.choice(pool), rng.choice(pool)
        op = rng.randrange(5)
        pool.append([a + b, a * b, (a - b).tanh(), a.sigmoid() * b, ag.sum([a, b, a])][op])
    out = ag.sum(pool[-50:])
    out.backward()
    print([leaf.grad.hex() for leaf in leaves])
    """
)


def test_same_program_gives_bit_identical_gradients_across_hash_seeds() -> None:
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, check=True
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1


def test_masking_holds_under_create_graph_too() -> None:
    # sqrt(x**0 - 1) at 0: ∂sqrt = inf, ∂(x**0)/∂x = 0. The zero passes exactly 0 (torch: 0.0).
    x = Value(2.0)
    (x**0 - 1).sqrt().backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 0.0
    assert ag.grad(lambda v: (v**0 - 1).sqrt() + v * v)(Value(2.0)).data == 4.0


def test_a_zero_derivative_value_keeps_its_own_derivative_when_upstream_is_finite() -> None:
    # d/dx [x**2] = 2x is 0 at x = 0, yet its derivative (2) must survive for the next order.
    assert ag.grad(ag.grad(lambda v: v**2))(0.0) == 2.0
    assert ag.grad(ag.grad(lambda v: v**3))(0.0) == 0.0


def test_create_graph_gives_value_gradients_along_constant_slopes() -> None:
    x = Value(3.0)
    y = x * 2
    seen: list[object] = []
    y.register_hook(seen.append)
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 2.0
    assert isinstance(seen[0], Value) and seen[0].data == 1.0
    x.grad.backward()  # differentiable again: d(2)/dx adds nothing
    assert x.grad.data == 2.0


@pytest.mark.parametrize("route", ["fast", "hook", "create_graph"])
def test_a_numpy_array_in_grad_is_a_type_error_and_is_not_changed(route: str) -> None:
    np = pytest.importorskip("numpy")
    x = Value(2.0, label="x")
    y = x * 3
    arr = np.array([1.0, 2.0])
    x.grad = arr
    if route == "hook":
        y.register_hook(lambda g: None)
    with pytest.raises(TypeError, match=r"\.grad is ndarray"):
        y.backward(create_graph=route == "create_graph")
    assert x.grad is arr and arr.tolist() == [1.0, 2.0]
    assert y.grad == 0.0  # all or nothing


def test_a_numpy_float_in_grad_still_accumulates() -> None:
    np = pytest.importorskip("numpy")
    x = Value(2.0)
    x.grad = np.float64(1.0)
    (x * 3).backward()
    assert x.grad == 4.0


def test_backward_interrupted_halfway_changes_no_grad() -> None:
    # A KeyboardInterrupt in the middle of the fast route (here: raised by a local
    # derivative deep in the graph, after most .grads were written) undoes every write.
    class Interrupting(float):
        def __mul__(self, other: object) -> float:
            raise KeyboardInterrupt

    xs = [Value(1.0) for _ in range(50)]
    terms = [x * 2.0 for x in xs]
    y = ag.sum(terms)
    terms[0]._local = (Interrupting(2.0), 1.0)  # the last product the pass reaches
    with pytest.raises(KeyboardInterrupt):
        y.backward()
    assert y.grad == 0.0 and all(t.grad == 0.0 for t in terms) and all(x.grad == 0.0 for x in xs)
    terms[0]._local = (2.0, 1.0)
    y.backward()  # the locks were released: the next pass runs and is exact
    assert all(x.grad == 2.0 for x in xs)


@pytest.mark.parametrize("route", ["backward", "gradients"])
def test_a_ctrl_c_right_after_the_fast_lock_is_taken_does_not_leak_it(route: str) -> None:
    # An asynchronous KeyboardInterrupt delivered the moment the lock's acquire()
    # returns (what a real Ctrl-C can do): the lock must still be released.
    import ctypes
    import threading

    from autograd_lite.core import backward as engine

    w = Value(2.0)
    loss = w * 3.0
    armed = [True]
    where = "_fast_backward" if route == "backward" else "gradients"

    def profile(frame: object, event: str, arg: object) -> None:
        if (
            armed[0]
            and event == "c_return"
            and getattr(arg, "__name__", "") == "acquire"
            and frame.f_code.co_name == where
        ):
            armed[0] = False
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(threading.get_ident()), ctypes.py_object(KeyboardInterrupt)
            )

    sys.setprofile(profile)
    try:
        with pytest.raises(KeyboardInterrupt):
            loss.backward() if route == "backward" else ag.gradients(loss, [w])
    finally:
        sys.setprofile(None)
    assert not armed[0]  # the interrupt was delivered
    assert not engine._FAST._is_owned() and engine._FAST.acquire(blocking=False)
    engine._FAST.release()
    assert w.grad == 0.0
