"""ag.compile: trace once, replay fast, and always give the eager answer."""

from __future__ import annotations

import math
import subprocess
import sys
import warnings

import pytest

import autograd_lite as ag
from autograd_lite import Value, losses, nn

RTOL = 1e-12


def close(a: float, b: float) -> bool:
    """Equal to 1e-12 relative (an absolute 1e-12 floor for values below 1)."""
    return a == b or abs(a - b) <= RTOL * max(1.0, abs(a), abs(b))


def grads(params: list[Value]) -> list[float]:
    return [p.grad for p in params]


def assert_matches_eager(compiled, params, *args, calls: int = 2, mode: str | None = None):
    """Run the compiled function ``calls`` times, then eagerly; compare losses and gradients."""
    for p in params:
        p.grad = 0.0
    for _ in range(calls):
        out = compiled(*args)
        out.backward()
    got_loss, got = out.data, grads(params)
    if mode is not None:
        assert compiled.mode == mode, compiled.fallback_reason
    for p in params:
        p.grad = 0.0
    for _ in range(calls):
        ref = compiled.eager(*args)
        ref.backward()
    assert close(got_loss, ref.data)
    want = grads(params)
    bad = [(i, a, b) for i, (a, b) in enumerate(zip(got, want)) if not close(a, b)]
    assert not bad, bad[:5]


@pytest.fixture
def moons():
    X, y = ag.data.make_moons(40, seed=1)
    return X, (2 * y - 1).astype(float)


def mlp_step(model):
    params = model.parameters()

    def step(X, y):
        scores = [model(x) for x in X]
        return losses.hinge(scores, y) + 1e-4 * ag.sum([p * p for p in params])

    return step


# --- tiers -------------------------------------------------------------------


@pytest.mark.parametrize("tier", [None, "numpy", "python"])
def test_mlp_step_matches_eager_on_every_tier(moons, tier):
    model = nn.MLP(2, [16, 16, 1], seed=0)
    step = ag.compile(mlp_step(model), tier=tier)
    assert_matches_eager(step, model.parameters(), *moons, calls=3, mode=tier or "numpy")


def test_batched_mlp_step_runs_on_the_numpy_tier_by_default(moons):
    model = nn.MLP(2, [8, 1], seed=0)
    step = ag.compile(mlp_step(model))
    step(*moons)
    assert step.mode == "numpy" and step.fallback_reason is None


def test_a_small_program_that_does_not_fold_runs_on_the_python_tier():
    w = Value(0.3)
    f = ag.compile(lambda x: (w * x).tanh() + x.sin() if isinstance(x, Value) else w * x)
    f(1.5)
    assert f.mode == "python"


def test_tier_eager_always_runs_eagerly():
    w = Value(2.0)
    f = ag.compile(lambda x: w * x, tier="eager")
    assert f(3.0).op == "*" and f.mode == "eager"


def test_unknown_tier_is_a_clear_error():
    with pytest.raises(ValueError, match="tier"):
        ag.compile(lambda x: x, tier="gpu")


# --- tracing and replaying ---------------------------------------------------


def test_later_calls_replay_without_running_the_function():
    calls = []
    w = Value(1.5)

    @ag.compile
    def f(x):
        calls.append(x)
        return w * x * x

    assert [f(x).data for x in (1.0, 2.0, 3.0)] == [1.5, 6.0, 13.5]
    assert len(calls) == 1


def test_replayed_output_is_one_node_over_the_parameters_with_their_derivatives():
    w, b = Value(2.0), Value(0.5)
    out = ag.compile(lambda x: w * x * w + b)(4.0)
    assert isinstance(out, Value) and out.data == 16.5 and out.op == "compiled"
    assert out.inputs == (w, b) and out.local_grads == (16.0, 1.0)  # ∂/∂w = 2wx, ∂/∂b = 1


def test_a_new_argument_structure_traces_again():
    calls = []

    @ag.compile
    def f(xs):
        calls.append(len(xs))
        return ag.sum([x * x for x in xs])

    assert f([1.0, 2.0]).data == 5.0
    assert f([1.0, 2.0, 3.0]).data == 14.0
    assert f([3.0, 4.0]).data == 25.0
    assert calls == [2, 3]


def test_ints_used_as_operands_are_data_and_do_not_trace_again():
    calls = []
    w = Value(2.0)

    @ag.compile
    def f(x, n):
        calls.append(n)
        return w * x * n

    assert [f(1.0, n).data for n in (2, 3, -4)] == [4.0, 6.0, -8.0]
    assert len(calls) == 1 and f.mode == "python"


def test_int_labels_used_arithmetically_are_data(moons):
    X, y = moons
    model = nn.MLP(2, [4, 1], seed=0)
    calls = []

    def loss(xb, yb):
        calls.append(1)
        return ag.sum([(1.0 - t * model(x)).relu() for x, t in zip(xb, yb)])

    step = ag.compile(loss)
    for start in (0, 10, 20):
        labels = [int(t) for t in y[start : start + 10]]
        assert_matches_eager(step, model.parameters(), X[start : start + 10], labels, calls=1)
        assert step.mode == "numpy", step.fallback_reason
    assert len(calls) == 1 + 3  # one trace; the rest are assert_matches_eager's eager runs


def test_an_int_array_used_arithmetically_is_data():
    w = Value(0.5)
    f = ag.compile(lambda xs, ys: ag.sum([w * x * y for x, y in zip(xs, ys)]))
    import numpy as np

    assert f(np.ones(3), np.array([1, 2, 3])).data == 3.0
    assert f(np.ones(3), np.array([3, 2, 3])).data == 4.0
    assert len(f._cache) == 1 and f.mode == "python"


def test_ints_used_as_indices_are_structure_traced_once_per_value():
    calls = []
    w = Value(2.0)

    @ag.compile
    def f(xs, i):
        calls.append(i)
        return w * xs[i]

    assert [f([1.0, 2.0, 3.0], i).data for i in (0, 1, 2, 1, 0)] == [2.0, 4.0, 6.0, 4.0, 2.0]
    assert len(calls) == 3 and f.mode == "python"


def test_ints_in_range_comparisons_and_int_arithmetic_are_structure():
    w = Value(1.0)

    @ag.compile
    def f(x, n):
        total = w * x
        for _ in range(n - 1):
            total = total * x
        return total if n > 1 else total + 1.0

    for n in (1, 2, 3, 2, 1):
        assert f(2.0, n).data == f.eager(2.0, n).data
        assert f.mode == "python" or f.mode == "eager"
    assert len(f._cache) >= 3 and f(2.0, 3).data == 8.0 and f.mode == "python"


def test_a_value_compared_with_an_int_is_a_guard_on_data():
    w = Value(1.0)
    f = ag.compile(lambda x, n: w * x if w * x > n else w * x * 2.0)
    assert f(3.0, 2).data == 3.0 and f(3.0, 1).data == 3.0 and f.mode == "python"
    assert f(3.0, 5).data == 6.0 and f.mode == "eager" and "guard" in f.fallback_reason


def test_class_indices_are_structure_until_too_many_values_then_eager():
    logits = [Value(0.1 * k) for k in range(3)]

    @ag.compile
    def f(scale, targets):
        return losses.cross_entropy([[z * scale for z in logits]] * len(targets), targets)

    seen = set()
    for a in range(3):
        for b in range(3):
            for c in range(3):
                out = f(1.5, [a, b, c])
                assert close(out.data, f.eager(1.5, [a, b, c]).data)
                seen.add(f.mode)
    assert f.mode == "eager" and "took more than 16 values" in f.fallback_reason
    assert __file__ in f.fallback_reason and seen == {"python", "eager"}


def test_parameters_are_read_live_at_every_call():
    w = Value(2.0)
    f = ag.compile(lambda x: w * x)
    f(1.0)
    w.data = 5.0
    assert f(1.0).data == 5.0


def test_numbers_captured_from_the_scope_are_constants_of_the_trace():
    scale = 2.0
    w = Value(1.0)
    f = ag.compile(lambda x: w * x * scale)
    assert f(1.0).data == 2.0
    scale = 10.0
    assert f(1.0).data == 2.0


def test_backward_twice_adds_exactly_twice():
    w = Value(3.0)
    out = ag.compile(lambda x: w * x * x)(2.0)
    out.backward()
    out.backward()
    assert w.grad == 8.0 and out.grad == 2.0


def test_backward_seed_scales_the_gradients():
    w = Value(3.0)
    ag.compile(lambda x: w * x)(2.0).backward(0.5)
    assert w.grad == 1.0


def test_value_arguments_receive_gradients_like_eager():
    w = Value(3.0)
    f = ag.compile(lambda x, y: w * x * y)
    x, y = Value(2.0), Value(5.0)
    f(x, y)  # trace
    f(x, y).backward()
    assert (x.grad, y.grad, w.grad) == (15.0, 6.0, 10.0)


def test_numpy_array_arguments(moons):
    model = nn.MLP(2, [4, 1], seed=0)
    step = ag.compile(mlp_step(model))
    assert_matches_eager(step, model.parameters(), *moons)
    X, y = moons
    assert_matches_eager(step, model.parameters(), X * 0.5, y)


def test_parameter_gradient_none_counts_as_zero():
    w = Value(3.0)
    w.grad = None
    ag.compile(lambda x: w * x)(2.0).backward()
    assert w.grad == 2.0


def test_unreached_parameters_keep_their_gradient():
    w, unused = Value(3.0), Value(1.0)
    unused.grad = None

    @ag.compile
    def f(x):
        _ = unused * x  # computed, but the output does not depend on it
        return w * x

    f(2.0).backward()
    assert unused.grad is None


def test_detach_stops_the_gradient_in_a_trace():
    w = Value(3.0)
    f = ag.compile(lambda x: w * x * (w * x).detach())
    assert_matches_eager(f, [w], 2.0)
    assert f.mode != "eager"


def test_eager_gives_the_full_graph():
    w = Value(3.0)
    f = ag.compile(lambda x: (w * x).relu())
    graph = f.eager(2.0)
    assert graph.op == "relu" and graph.inputs[0].op == "*"


def test_import_does_not_load_numpy_and_compile_is_lazy():
    code = (
        "import sys, autograd_lite as ag; assert 'numpy' not in sys.modules; "
        "f = ag.compile(lambda x: x * 2); assert 'numpy' not in sys.modules; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


def test_without_numpy_the_python_tier_runs():
    code = (
        "import sys; sys.modules['numpy'] = None\n"
        "import autograd_lite as ag\n"
        "ws = [ag.Value(0.1 * i) for i in range(3)]\n"
        "f = ag.compile(lambda xs: ag.sum([(ag.dot(ws, x) ).relu() for x in xs]))\n"
        "data = [[1.0, 2.0, 3.0]] * 20\n"
        "f(data); out = f(data); out.backward()\n"
        "print(f.mode, out.data == f.eager(data).data, ws[2].grad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["python", "True", repr(20 * 3.0)]


def test_ag_compile_works_after_a_submodule_import():
    import autograd_lite.compile.trace  # noqa: F401  (sets the package attribute)

    assert ag.compile(lambda x: x * 3)(2.0).data == 6.0


# --- guards --------------------------------------------------------------------


def branchy(w):
    def f(x):
        y = w * x
        if y > 1.0:
            return y * y
        return -y

    return f


def test_a_failed_guard_runs_eagerly_with_the_eager_result():
    w = Value(1.0)
    f = ag.compile(branchy(w))
    assert f(2.0).data == 4.0 and f.mode == "python"
    out = f(-3.0)
    assert out.data == 3.0 and out.op == "neg"
    assert f.mode == "eager" and "guard" in f.fallback_reason and "y > 1.0" not in f.fallback_reason
    assert "test_compile.py" in f.fallback_reason


def test_guards_that_keep_failing_get_a_trace_of_their_own():
    w = Value(1.0)
    f = ag.compile(branchy(w))
    f(2.0)
    modes = []
    for _ in range(4):
        f(-3.0)
        modes.append(f.mode)
    assert modes[:2] == ["eager", "eager"] and modes[-1] == "python"
    f(2.0)
    assert f.mode == "python"


def test_max_of_values_is_guarded():
    w = Value(2.0)
    f = ag.compile(lambda xs: max(w * x for x in xs))
    assert f([1.0, 3.0, 2.0]).data == 6.0
    assert f([1.0, 4.0, 2.0]).data == 8.0 and f.mode != "eager"
    assert f([5.0, 4.0, 2.0]).data == 10.0 and f.mode == "eager"


def test_bool_of_a_value_is_guarded():
    w = Value(1.0)
    f = ag.compile(lambda x: w * x if (w * x) else w + x)
    f(2.0)
    assert f(3.0).data == 3.0 and f.mode != "eager"
    assert f(0.0).data == 1.0 and f.mode == "eager"


def test_per_sample_guards_fold_and_fall_back_together():
    w = Value(0.5)

    def f(xs):
        terms = []
        for x in xs:
            z = w * x
            terms.append(z * z if z > 0.0 else -z)
        return ag.sum(terms)

    c = ag.compile(f, tier="numpy")
    xs = [float(i - 10) for i in range(20)]
    assert_matches_eager(c, [w], xs, mode="numpy")
    flipped = list(xs)
    flipped[3] = 7.0
    assert_matches_eager(c, [w], flipped, calls=1, mode="eager")


# --- what runs eagerly, and why ------------------------------------------------


def test_reading_data_falls_back_with_one_warning_naming_the_line():
    w = Value(2.0)

    def f(x):
        y = w * x
        return y * y.data  # the line the warning must name

    c = ag.compile(f)
    with pytest.warns(RuntimeWarning, match=r"test_compile\.py:\d+"):
        assert c(3.0).data == 36.0
    assert c.mode == "eager" and ".data" in c.fallback_reason
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert c(1.0).data == 4.0
    assert c.mode == "eager"


def test_float_of_a_traced_value_falls_back():
    w = Value(2.0)
    c = ag.compile(lambda x: w * float(w * x))
    with pytest.warns(RuntimeWarning, match="float"):
        c(3.0)
    assert c.mode == "eager" and "float()" in c.fallback_reason


def test_domain_errors_raise_what_eager_raises():
    w = Value(1.0)
    f = ag.compile(lambda x: (w * x).log())
    assert f(2.0).data == math.log(2.0)
    with pytest.raises(ValueError, match="log"):
        f(-1.0)
    g = ag.compile(lambda x: w / x)
    g(2.0)
    with pytest.raises(ZeroDivisionError):
        g(0.0)


def test_domain_errors_in_a_folded_program_raise_what_eager_raises():
    w = Value(1.0)
    f = ag.compile(lambda xs: ag.sum([(w * x).log() for x in xs]), tier="numpy")
    xs = [1.0 + i for i in range(10)]
    f(xs)
    assert f.mode == "numpy"
    with pytest.raises(ValueError, match="log"):
        f([*xs[:-1], -1.0])


def test_overflow_gives_inf_as_eager_does():
    w = Value(1.0)
    f = ag.compile(lambda xs: ag.sum([(w * x).exp() for x in xs]))
    f([1.0] * 10)
    assert f([1000.0] * 10).data == math.inf


def test_hooks_run_eagerly():
    w = Value(2.0)
    f = ag.compile(lambda x: w * x)
    f(1.0)
    seen = []
    handle = w.register_hook(seen.append)
    try:
        f(3.0).backward()
        assert f.mode == "eager" and "hook" in f.fallback_reason
        assert seen == [3.0]
    finally:
        handle.remove()


def test_detect_anomaly_runs_eagerly():
    w = Value(2.0)
    f = ag.compile(lambda x: w * x)
    f(1.0)
    with ag.detect_anomaly():
        f(1.0)
    assert f.mode == "eager" and "monitor" in f.fallback_reason


def test_no_grad_runs_eagerly():
    w = Value(2.0)
    f = ag.compile(lambda x: w * x)
    with ag.no_grad():
        assert f(3.0).data == 6.0
    assert f.mode == "eager" and "no_grad" in f.fallback_reason


def test_create_graph_builds_the_eager_graph():
    w = Value(3.0)
    out = ag.compile(lambda x: w * w * x)(2.0)
    out.backward(create_graph=True)
    assert isinstance(w.grad, Value) and w.grad.data == 12.0


def test_returning_something_else_than_a_value_runs_eagerly():
    w = Value(2.0)
    f = ag.compile(lambda x: [w * x])
    with pytest.warns(RuntimeWarning, match="list"):
        assert f(1.0)[0].data == 2.0
    assert f.mode == "eager"


def test_an_argument_with_history_runs_eagerly():
    w = Value(2.0)
    f = ag.compile(lambda x: w * x)
    x = Value(3.0) * 1.0
    f(x).backward()
    assert f.mode == "eager" and "history" in f.fallback_reason


def test_a_backward_inside_the_function_runs_eagerly():
    w = Value(2.0)

    def f(x):
        y = w * x
        y.backward()
        return y

    c = ag.compile(f)
    with pytest.warns(RuntimeWarning):
        c(1.0)
    assert c.mode == "eager"


def test_errors_raised_by_the_function_propagate():
    def f(x):
        raise KeyError("boom")

    with pytest.raises(KeyError):
        ag.compile(f)(1.0)


# --- losses compile -------------------------------------------------------------


@pytest.mark.parametrize(
    "loss",
    [
        "hinge",
        "mse",
        "squared_error",
        "binary_cross_entropy_with_logits",
        "binary_cross_entropy",
        "cross_entropy",
    ],
)
def test_every_loss_folds_and_matches_eager(loss):
    X, y = ag.data.make_moons(24, seed=2)
    model = nn.MLP(2, [6, 2], seed=3)
    params = model.parameters()
    yf = y.astype(float)

    def f(X, yf):
        outs = [model(x) for x in X]
        if loss == "cross_entropy":
            return losses.cross_entropy(outs, [int(t) for t in y])
        if loss == "binary_cross_entropy":
            return losses.binary_cross_entropy([o[0].sigmoid() for o in outs], yf)
        if loss == "hinge":
            return losses.hinge([o[0] for o in outs], 2 * yf - 1)
        return getattr(losses, loss)([o[0] for o in outs], yf)

    c = ag.compile(f)
    assert_matches_eager(c, params, X, yf, mode="numpy")


def test_a_first_call_with_bad_data_does_not_stop_later_calls_from_compiling():
    w = Value(1.0)
    f = ag.compile(lambda x: (w * x).log())
    with pytest.raises(ValueError, match="log"):
        f(-1.0)
    assert f(2.0).data == math.log(2.0)
    assert f(3.0).data == math.log(3.0) and f.mode == "python"


def test_a_function_that_cannot_be_traced_runs_eagerly():
    w = Value(2.0)

    def f(x):
        if not isinstance(x, float):
            raise TypeError("wants a float")
        return w * x

    c = ag.compile(f)
    for _ in range(3):
        assert c(1.5).data == 3.0
    assert c.mode == "eager" and "TypeError" in c.fallback_reason


def test_user_ops_and_the_newer_ops_compile():
    smooth_relu = ag.defop(
        "smooth_relu_for_compile_test",
        lambda x: math.log1p(math.exp(x)),
        lambda out, x: (ag.sigmoid(x),),
    )
    w = Value(0.7)

    def f(xs):
        terms = [smooth_relu(w * x) + ag.maximum(w * x, 0.25) + (w * x).softplus() for x in xs]
        return ag.sum(terms) + ag.logaddexp(w, 1.0)

    xs = [0.5 * i - 2.0 for i in range(12)]
    assert_matches_eager(ag.compile(f), [w], xs, mode="numpy")  # folds, user op included
    assert_matches_eager(ag.compile(f, tier="python"), [w], xs, mode="python")


def test_exp_overflow_and_sin_of_inf_replay_as_the_engine_computes_them():
    w = Value(1.0)
    f = ag.compile(lambda x: (w * x).exp() + (w * x * 0.0).sin(), tier="python")
    f(1.0)
    out = f(1000.0)
    assert out.data == math.inf and f.mode == "python"


def test_a_neuron_of_arguments_only_needs_no_backward_code():
    w = Value(0.5)
    f = ag.compile(lambda x, y: ag.dot([x], [y]) + w, tier="python")
    assert_matches_eager(f, [w], 2.0, 3.0, mode="python")


def test_reading_a_parameters_data_after_its_first_use_falls_back():
    w = Value(2.0)

    def f(x):
        y = w * x
        return y + w.data  # a number taken out of the parameter: stale in a replay

    c = ag.compile(f)
    with pytest.warns(RuntimeWarning, match=r"\.data"):
        c(1.0)
    assert c.mode == "eager" and type(w) is Value
    w.data = 5.0
    assert c(1.0).data == 10.0


def test_parameters_are_plain_values_again_after_tracing():
    model = nn.MLP(2, [3, 1], seed=0)
    f = ag.compile(lambda x: model(x))
    f([1.0, 2.0])
    assert {type(p) for p in model.parameters()} == {Value}


def test_value_arguments_in_a_folded_program_receive_gradients_like_eager():
    w = Value(0.3)
    xs = [Value(0.1 * i - 1.0) for i in range(16)]
    f = ag.compile(lambda xs: ag.sum([(w * x).tanh() * x for x in xs]), tier="numpy")
    f(xs)
    out = f(xs)
    out.backward()
    assert f.mode == "numpy"
    got = [x.grad for x in xs] + [w.grad]
    for v in [*xs, w]:
        v.grad = 0.0
    f.eager(xs).backward()
    want = [x.grad for x in xs] + [w.grad]
    assert all(close(a, b) for a, b in zip(got, want))


def test_parameters_are_read_live_on_the_numpy_tier(moons):
    model = nn.MLP(2, [4, 1], seed=0)
    step = ag.compile(mlp_step(model), tier="numpy")
    step(*moons)
    for p in model.parameters():
        p.data *= 1.5
    assert_matches_eager(step, model.parameters(), *moons, mode="numpy")


def test_threads_share_a_compiled_function(moons):
    import threading

    model = nn.MLP(2, [4, 1], seed=0)
    step = ag.compile(mlp_step(model))
    want = step.eager(*moons).data
    results, errors = [], []

    def work():
        try:
            for _ in range(5):
                results.append(step(*moons).data)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 20
    assert all(close(r, want) for r in results)


def test_a_big_trace_on_the_python_tier_is_a_few_hundred_lines_not_one_per_node(moons):
    X, y = moons
    model = nn.MLP(2, [16, 16, 1], seed=0)
    step = ag.compile(mlp_step(model), tier="python")
    xs, ys = X.tolist(), y.tolist()
    source = step.code(xs, ys)
    nodes = sum(1 for _ in ag.topological_order(step.eager(xs, ys)))
    assert nodes > 4000 and len(source.splitlines()) < 600, (nodes, len(source.splitlines()))
    assert_matches_eager(step, model.parameters(), xs, ys, mode="python")


def test_ints_as_dot_inputs_are_data():
    ws = [Value(0.5), Value(-1.0)]
    f = ag.compile(lambda xs: ag.dot(ws, xs, bias=1))
    assert f([2, 3]).data == -1.0 and f([4, 1]).data == 2.0
    assert len(f._cache) == 1 and f.mode == "python"


def test_an_int_argument_is_an_int_to_isinstance_while_tracing():
    w = Value(2.0)
    f = ag.compile(lambda x, n: w * x * n if isinstance(n, int) else w * x)
    assert f(1.0, 3).data == 6.0 and f(1.0, 4).data == 8.0 and f.mode == "python"


@pytest.mark.parametrize("grouped", [False, True])
def test_conv_and_rnn_losses_compile_on_the_python_tier(grouped, monkeypatch):
    from autograd_lite.compile import codegen_loops

    if grouped:  # what a bigger batch gets: one loop per group of alike nodes
        monkeypatch.setattr(codegen_loops, "MIN_NODES", 0)
    conv = nn.Conv2d(1, 2, 3, seed=0)
    rnn = nn.RNN(2, 3, seed=0)

    def loss(images, sequences):
        maps = [v for image in images for ch in conv(image) for row in ch for v in row]
        states = [h for xs in sequences for h in rnn(xs)[-1]]
        return ag.sum([m * m for m in maps]) * 0.01 + ag.sum([h * h for h in states])

    images = [[[[0.1 * (i + j + k) - 0.4 for j in range(5)] for i in range(5)]] for k in range(3)]
    sequences = [[[0.3 * t - 0.2 * k, 0.1 * k] for t in range(4)] for k in range(3)]
    step = ag.compile(loss, tier="python")
    params = conv.parameters() + rnn.parameters()
    assert_matches_eager(step, params, images, sequences, mode="python")
    assert ("    v0 = A\n" in step.code(images, sequences)) == grouped
