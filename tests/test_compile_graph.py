"""A compiled call's result is a Value like any other, and it follows rebound names.

Its result is one node over the parameters it used, so everything that walks
a graph (a bigger loss built on it, ``ag.gradients``, ``ag.grad``, hooks,
``create_graph``) gives what the same code gives eagerly; and a name the
function reads, once rebound (a reloaded model in a notebook), is traced anew.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

import autograd_lite as ag
from autograd_lite import Value, losses, nn


def close(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))


def test_a_compiled_loss_inside_a_bigger_loss_passes_its_gradients_on() -> None:
    w = Value(0.5)

    def f(x: float) -> Value:
        return (w * x).tanh()

    step = ag.compile(f)
    step(1.0)
    (step(1.0) + step(2.0) + 0.1 * w * w).backward()
    assert step.mode == "python"
    compiled = w.grad
    w.grad = 0.0
    (f(1.0) + f(2.0) + 0.1 * w * w).backward()
    assert close(compiled, w.grad) and compiled != 0.1 * 2 * 0.5


def test_gradients_grad_and_value_and_grad_see_through_a_compiled_call() -> None:
    w = Value(0.5)

    def f(x: Any) -> Value:
        return (w * x).tanh() * x

    step = ag.compile(f)
    step(1.0)
    assert close(ag.gradients(step(1.5), [w])[0], ag.gradients(f(1.5), [w])[0])
    assert close(ag.grad(step)(1.5), ag.grad(f)(1.5))
    value, slope = ag.value_and_grad(step)(1.5)
    assert close(value, f(1.5).data) and close(slope, ag.grad(f)(1.5))


def test_a_bad_grad_fails_the_compiled_backward_as_eager_does_and_changes_nothing() -> None:
    w, b = Value(0.5), Value(2.0)
    step = ag.compile(lambda x: (w * x + b).tanh())
    step(1.0)
    w.grad, b.grad = 0.0, "oops"
    loss = step(1.5)
    with pytest.raises(TypeError, match=r"cannot add a gradient to Value\(data=2.0\)"):
        loss.backward()
    assert w.grad == 0.0 and b.grad == "oops" and loss.grad == 0.0


def test_hooks_on_the_compiled_loss_and_on_its_parameters_run() -> None:
    w = Value(0.5)
    step = ag.compile(lambda x: (w * x).tanh())
    step(1.0)
    seen: list[tuple[str, float]] = []
    loss = step(1.5)
    loss.register_hook(lambda g: seen.append(("loss", g)))
    w.register_hook(lambda g: seen.append(("w", g)))
    loss.backward()
    expected = 1.5 * (1 - math.tanh(0.75) ** 2)
    assert seen[0] == ("loss", 1.0) and seen[1][0] == "w" and close(seen[1][1], expected)
    assert close(w.grad, expected)


def test_second_derivatives_through_a_compiled_call_inside_a_graph() -> None:
    w = Value(0.7)

    def f(x: float) -> Value:
        return (w * x).sin() * w

    step = ag.compile(f)
    step(1.0)
    (g_compiled,) = ag.gradients(step(1.3) * 2.0, [w], create_graph=True)
    (g_eager,) = ag.gradients(f(1.3) * 2.0, [w], create_graph=True)
    assert isinstance(g_compiled, Value) and close(g_compiled.data, g_eager.data)
    assert close(ag.gradients(g_compiled, [w])[0], ag.gradients(g_eager, [w])[0])


def test_the_compiled_result_matches_eager_at_every_seed_and_accumulates() -> None:
    w = Value(1.5)
    step = ag.compile(lambda x: (w * x).exp())
    step(0.3)
    loss = step(0.3)
    loss.backward(2.0)
    loss.backward(-0.5)
    eager = Value(1.5)
    out = (eager * 0.3).exp()
    out.backward(2.0)
    out.backward(-0.5)
    assert close(w.grad, eager.grad) and loss.grad == 1.5


# --- rebound names ---------------------------------------------------------------

w_global = Value(1.0)


def scaled(x: float) -> Value:
    return w_global * x


def test_a_rebound_global_parameter_is_used_not_the_old_one() -> None:
    global w_global
    step = ag.compile(scaled)
    assert step(2.0).data == 2.0
    w_global = Value(5.0)
    loss = step(2.0)
    loss.backward()
    assert loss.data == 10.0 and w_global.grad == 2.0 and step.mode == "python"


def test_a_reloaded_model_is_trained_not_the_one_that_was_traced(tmp_path: Any) -> None:
    model = nn.MLP(2, [4, 1], seed=0)
    X, y = [[0.5, -1.0], [1.0, 2.0]], [1.0, -1.0]

    def loss_fn(xs: list[list[float]], ys: list[float]) -> Value:
        return losses.hinge([model(x) for x in xs], ys)  # type: ignore[return-value]

    step = ag.compile(loss_fn)
    step(X, y)
    nn.MLP(2, [4, 1], seed=7).save(tmp_path / "other.json")
    model = nn.MLP.load(tmp_path / "other.json")  # the name the closure reads, rebound
    got = step(X, y)
    want = loss_fn(X, y)
    assert close(got.data, want.data)
    got.backward()
    assert any(p.grad != 0.0 for p in model.parameters())


def test_numbers_captured_from_the_scope_stay_constants_of_the_trace() -> None:
    scale = 2.0
    w = Value(1.0)
    f = ag.compile(lambda x: w * x * scale)
    assert f(1.0).data == 2.0
    scale = 10.0
    assert f(1.0).data == 2.0 and f.mode == "python"  # as documented: pass it as an argument


def test_a_name_rebound_at_every_call_ends_in_eager_with_a_reason() -> None:
    w = Value(2.0)
    batch = [1.0]

    def f() -> Value:
        return w * batch[0]

    step = ag.compile(f)
    results = []
    for k in range(8):
        batch = [float(k)]  # a new list each time: the function must see it
        results.append(step().data)
    assert results == [2.0 * k for k in range(8)]
    assert step.mode == "eager" and "'batch'" in (step.fallback_reason or "")


def test_the_same_value_passed_twice_and_used_as_a_parameter_sums_its_paths() -> None:
    w = Value(1.5)

    def f(a: Value, b: Value) -> Value:
        return a * b * w + a.exp()

    step = ag.compile(f)
    step(Value(0.1), Value(0.2))
    for seed in (1.0, math.inf):
        w.grad = 0.0
        out = step(w, w)  # w is an argument twice and a parameter
        out.backward(seed)
        compiled = w.grad
        w.grad = 0.0
        f(w, w).backward(seed)
        assert close(compiled, w.grad) or (math.isinf(compiled) and compiled == w.grad)


def test_create_graph_through_a_numpy_tier_call_gives_eager_second_derivatives() -> None:
    model = nn.MLP(3, [4, 1], activation="tanh", seed=0)
    X = [[0.1, -0.2, 0.3], [0.5, 0.4, -0.6], [0.7, 0.8, 0.9]]

    def f(X: list[list[float]]) -> Value:
        return ag.sum([model(x) ** 2 for x in X])

    step = ag.compile(f, tier="numpy")
    step(X)
    w = model.parameters()[0]
    (g_compiled,) = ag.gradients(step(X), [w], create_graph=True)
    (g_eager,) = ag.gradients(f(X), [w], create_graph=True)
    assert step.mode == "numpy" and close(g_compiled.data, g_eager.data)
    assert close(ag.gradients(g_compiled, [w])[0], ag.gradients(g_eager, [w])[0])


def test_create_graph_counts_a_value_that_is_an_input_twice_once() -> None:
    w, u = Value(2.0), Value(3.0)
    c = ag.compile(lambda a, b: a * b * w, tier="python")
    c(u, u)
    c(u, u).backward(create_graph=True)
    assert isinstance(u.grad, Value) and u.grad.data == 2 * 3.0 * 2.0
    c2 = ag.compile(lambda v: v * w * w, tier="python")
    c2(w)
    w.grad = 0.0
    c2(w).backward(create_graph=True)
    assert w.grad.data == 3 * 2.0**2


def test_the_compiled_backward_refuses_a_grad_that_is_not_a_number_and_changes_nothing() -> None:
    np = pytest.importorskip("numpy")
    w, u = Value(2.0), Value(3.0)
    c = ag.compile(lambda x: w * x + u)
    c(1.0)
    loss = c(1.0)
    arr = np.array([1.0])
    u.grad = arr
    with pytest.raises(TypeError, match=r"\.grad is ndarray"):
        loss.backward()
    assert w.grad == 0.0 and u.grad is arr and arr.tolist() == [1.0]


@pytest.mark.parametrize("seed", [math.inf, -math.inf, math.nan, 1e308, -2.5, 0.0])
def test_a_compiled_backward_with_any_seed_is_eagers(seed: float) -> None:
    w, u = Value(1.0), Value(1.0)

    def f(x: float) -> Value:
        return w * 3.0 - w * 3.0 + u * x + w * x

    c = ag.compile(f)
    c(2.0)
    c(2.0).backward(seed)
    compiled = (w.grad, u.grad)
    w.grad = u.grad = 0.0
    f(2.0).backward(seed)
    for a, b in zip(compiled, (w.grad, u.grad)):
        assert close(a, b) or (math.isnan(a) and math.isnan(b))


def test_a_cell_run_too_early_is_traced_again_once_its_name_exists() -> None:
    namespace: dict[str, Any] = {"Value": Value}
    exec("def f(x):\n    return W2 * x\n", namespace)
    c = ag.compile(namespace["f"])
    with pytest.raises(NameError):
        c(3.0)
    namespace["W2"] = Value(2.0)
    assert c(3.0).data == 6.0 and c(3.0).data == 6.0
    namespace["W2"] = Value(5.0)
    assert c(3.0).data == 15.0


def test_rebinding_a_module_attribute_or_shadowing_a_builtin_is_seen() -> None:
    import types

    cfg = types.ModuleType("cfg")
    cfg.w = Value(2.0)  # type: ignore[attr-defined]
    namespace: dict[str, Any] = {"cfg": cfg}
    exec("def f(x):\n    return abs(cfg.w * x)\n", namespace)
    c = ag.compile(namespace["f"])
    assert c(3.0).data == 6.0 and c(3.0).data == 6.0
    cfg.w = Value(5.0)  # type: ignore[attr-defined]
    assert c(3.0).data == 15.0
    namespace["abs"] = lambda v: v * v  # a global now shadows the builtin
    assert c(3.0).data == 225.0


def test_a_callable_object_is_watched_through_its_call_method() -> None:
    namespace: dict[str, Any] = {"Value": Value}
    exec(
        "W = Value(2.0)\nclass Loss:\n    def __call__(self, x):\n        return W * x\n",
        namespace,
    )
    c = ag.compile(namespace["Loss"]())
    assert c(3.0).data == 6.0 and c(3.0).data == 6.0
    namespace["W"] = Value(5.0)
    assert c(3.0).data == 15.0


def test_a_compiled_result_refuses_to_be_pickled_with_a_clear_error() -> None:
    import copy
    import pickle

    w = Value(2.0)
    c = ag.compile(lambda x: w * x)
    c(1.0)
    out = c(1.0) * 2
    with pytest.raises(TypeError, match="compiled call's result cannot be pickled"):
        pickle.dumps(out)
    with pytest.raises(TypeError, match="compiled call's result cannot be pickled"):
        copy.deepcopy(out)


@pytest.mark.parametrize("route", ["eager", "compiled", "steps"])
def test_concurrent_backward_calls_on_shared_parameters_all_add_up(route: str) -> None:
    import sys
    import threading

    ps = [Value(0.01 * i) for i in range(300)]

    def f(x: float) -> Value:
        return ag.sum([p * x for p in ps])

    c = ag.compile(f, tier="python")
    c(1.0)

    def work() -> None:
        for _ in range(20):
            if route == "eager":
                f(1.0).backward()
            elif route == "compiled":
                c(1.0).backward()
            else:
                for _ in f(1.0).backward_steps():
                    pass

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert all(p.grad == 80.0 for p in ps)


def test_math_floor_of_a_traced_value_makes_the_function_run_eagerly() -> None:
    w = Value(2.0)
    with pytest.warns(RuntimeWarning, match="float\\(\\) of a Value"):
        f = ag.compile(lambda x: w * math.floor(x))
        results = [f(x).data for x in (2.5, 7.9)]
    assert results == [4.0, 14.0] and f.mode == "eager"


def test_an_attribute_named_like_a_loop_variable_is_not_a_global_read() -> None:
    import types

    box = types.SimpleNamespace(w=Value(2.0))
    step = ag.compile(lambda x: box.w * x)
    for _ in range(8):
        w = step(3.0)  # a global-looking name the function never reads as a global
        w.backward()
    assert step.mode == "python" and step.fallback_reason is None
    assert box.w.grad == 8 * 3.0


@pytest.mark.parametrize("tier", [None, "numpy", "python"])
def test_an_int_argument_equal_to_a_float_constant_beside_it_stays_data(tier: Any) -> None:
    p, q = Value(0.3), Value(0.7)

    def f(labels: list[int]) -> Value:
        return ag.sum([ag.dot([p, q], [1.0, t]) for t in labels])

    step = ag.compile(f, tier=tier)
    step([1, 0, 1])  # traced where the first int equals the constant 1.0
    got = step([3, 1, 1])
    got.backward()
    compiled = (got.data, p.grad, q.grad)
    p.grad = q.grad = 0.0
    want = f([3, 1, 1])
    want.backward()
    assert compiled == (want.data, p.grad, q.grad) and step.mode != "eager"


@pytest.mark.parametrize(("name", "y"), [("floor", -0.0), ("ceil", -0.4), ("trunc", -0.4)])
def test_numpy_tier_rounding_gives_plus_zero_as_eager(name: str, y: float) -> None:
    # atan2(±0, -1) is ±π: the sign of a rounded zero decides the answer.
    p = Value(1.0)
    step = ag.compile(lambda y: ag.atan2(getattr(ag, name)(p * y), -1.0), tier="numpy")
    step(2.3)
    assert step(y).data == math.pi == ag.atan2(getattr(ag, name)(p * y), -1.0).data


def test_numpy_tier_atan2_and_log10_slopes_do_not_overflow() -> None:
    p, q = Value(1.0), Value(1.0)
    step = ag.compile(lambda a, b: ag.atan2(p * a, q * b) + (p * a).log10(), tier="numpy")
    step(0.5, 0.5)
    step(1e160, 1e160).backward()
    compiled = (p.grad, q.grad)
    p.grad = q.grad = 0.0
    (ag.atan2(p * 1e160, q * 1e160) + (p * 1e160).log10()).backward()
    assert step.mode == "numpy" and all(close(a, b) for a, b in zip(compiled, (p.grad, q.grad)))


def test_an_int_argument_in_plain_arithmetic_with_a_float_is_structure_not_an_error() -> None:
    a, b = Value(0.7), Value(-1.3)

    def f(t: int) -> Value:
        return a * (t * 0.5 + 0.25 * t) + b

    step = ag.compile(f)
    for t in (1, 2, 3, 2):
        assert step(t).data == f(t).data and step.mode == "python"


@pytest.mark.parametrize("route", ["hooks", "compiled"])
def test_a_ctrl_c_between_two_grad_writes_puts_every_grad_back(route: str) -> None:
    import inspect
    import sys

    from autograd_lite.core import backward as engine

    w1, w2 = Value(1.0), Value(2.0)
    if route == "compiled":
        loss = ag.compile(lambda x: w1 * x + w2 * x)(3.0)
        writer = engine.write_grads
    else:
        loss = w1 * 3.0 + w2 * 3.0
        w1.register_hook(lambda g: None)  # the general route, which writes at the end
        writer = engine.write_grads
    lines, first = inspect.getsourcelines(writer)
    target = first + next(i for i, line in enumerate(lines) if "node.grad = total" in line)
    seen = [0]

    def tracer(frame: object, event: str, arg: object) -> object:
        if getattr(frame, "f_code", None) is writer.__code__:
            return local
        return None

    def local(frame: object, event: str, arg: object) -> object:
        if event == "line" and getattr(frame, "f_lineno", 0) == target:
            seen[0] += 1
            if seen[0] == 2:  # after the first .grad was written
                raise KeyboardInterrupt
        return local

    sys.settrace(tracer)
    try:
        with pytest.raises(KeyboardInterrupt):
            loss.backward()
    finally:
        sys.settrace(None)
    assert seen[0] == 2 and (w1.grad, w2.grad, loss.grad) == (0.0, 0.0, 0.0)
