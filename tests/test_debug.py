"""backward_steps, hooks, explain and detect_anomaly."""

from __future__ import annotations

import math
import sys
import threading
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from work import calls_made

import autograd_lite as ag
from autograd_lite import Value
from autograd_lite.core import mode as engine_mode
from autograd_lite.core.graph import backward_order, topological_order
from autograd_lite.core.mode import current_monitor
from autograd_lite.core.value import hooks_of

# --- graphs to test on: each builder makes a fresh graph and returns its output


def neuron() -> Value:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    return (x1 * w1 + x2 * w2 + b).tanh()


def shared_leaf() -> Value:
    x = Value(3.0, label="x")
    return x * x + x


def diamond() -> Value:
    x = Value(0.7, label="x")
    h = (x * 2).sigmoid()
    return h * h.exp() + h / (x + 1)


def dot_and_sum() -> Value:
    ws = [Value(0.1 * i - 0.2, label=f"w{i}") for i in range(4)]
    xs = [Value(1.0 - 0.3 * i, label=f"x{i}") for i in range(4)]
    z = ag.dot(ws, xs, bias=Value(0.5, label="b")).relu()
    return ag.sum([z, z * z, ws[0] ** 2, (-xs[1]).exp()])


def chain() -> Value:
    x = Value(0.3, label="x")
    y = x
    for i in range(200):
        y = (y * 1.01).sin() if i % 2 else y + x
    return y


def powers() -> Value:
    a, p = Value(-2.0, label="a"), Value(3.0, label="p")
    b = Value(1.5, label="b")
    return a**2 + b**p + abs(a) * b.sqrt() - b.log() + a.cos()


BUILDERS = [neuron, shared_leaf, diamond, dot_and_sum, chain, powers]


def grads_after(build: Callable[[], Value], run: Callable[[Value], None]) -> list[object]:
    """Every node's .grad (in topological order) after ``run`` on a fresh graph.

    NaN (a constant exponent's gradient at a negative base) becomes "nan" so
    that lists compare equal exactly when every gradient is bit-for-bit equal.
    """
    y = build()
    run(y)
    return ["nan" if v.grad != v.grad else v.grad for v in topological_order(y)]


def exhaust(y: Value) -> None:
    for _ in y.backward_steps():
        pass


# --- backward_steps --------------------------------------------------------


@pytest.mark.parametrize("build", BUILDERS, ids=lambda b: b.__name__)
def test_exhausted_steps_leave_exactly_the_gradients_of_backward(build) -> None:
    assert grads_after(build, exhaust) == grads_after(build, lambda y: y.backward())


@pytest.mark.parametrize("build", BUILDERS, ids=lambda b: b.__name__)
def test_steps_accumulate_like_backward_when_run_twice(build) -> None:
    def twice_steps(y: Value) -> None:
        exhaust(y)
        exhaust(y)

    def twice_backward(y: Value) -> None:
        y.backward()
        y.backward()

    assert grads_after(build, twice_steps) == grads_after(build, twice_backward)


def test_steps_with_create_graph_match_backward_with_create_graph() -> None:
    def steps(y: Value) -> None:
        for _ in y.backward_steps(create_graph=True):
            pass

    def backward(y: Value) -> None:
        y.backward(create_graph=True)

    y = diamond()
    steps(y)
    assert any(isinstance(v.grad, Value) for v in topological_order(y))
    with_steps = [float(g) for g in grads_after(diamond, steps)]  # type: ignore[arg-type]
    with_backward = [float(g) for g in grads_after(diamond, backward)]  # type: ignore[arg-type]
    assert with_steps == with_backward


@pytest.mark.parametrize("seed", [2.5, Value(2.5)], ids=["float", "Value"])
def test_steps_take_a_seed_like_backward(seed) -> None:
    assert grads_after(neuron, lambda y: exhaust_with_seed(y, seed)) == grads_after(
        neuron, lambda y: y.backward(seed)
    )


def exhaust_with_seed(y: Value, seed: object) -> None:
    for _ in ag.backward_steps(y, seed):
        pass


@st.composite
def random_graphs(draw: st.DrawFn) -> list[tuple[str, int, int]]:
    ops = st.sampled_from(["+", "-", "*", "tanh", "sigmoid", "sin", "exp_small"])
    return draw(st.lists(st.tuples(ops, st.integers(0, 99), st.integers(0, 99)), max_size=25))


def build_random(program: list[tuple[str, int, int]]) -> Value:
    pool = [Value(0.5, label="a"), Value(-1.25, label="b"), Value(2.0, label="c")]
    for op, i, j in program:
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        if op == "+":
            pool.append(a + b)
        elif op == "-":
            pool.append(a - b)
        elif op == "*":
            pool.append(a * b)
        elif op == "exp_small":
            pool.append((a * 0.01).exp())
        else:
            pool.append(getattr(a, op)())
    return ag.sum(pool[-3:])


@settings(max_examples=60, deadline=None)
@given(random_graphs())
def test_steps_equal_backward_on_random_graphs_with_shared_nodes(program) -> None:
    assert grads_after(lambda: build_random(program), exhaust) == grads_after(
        lambda: build_random(program), lambda y: y.backward()
    )


def test_steps_visit_nodes_in_backward_order_and_are_numbered() -> None:
    y = diamond()
    steps = list(y.backward_steps())
    assert [s.node for s in steps] == backward_order(y)
    assert [s.index for s in steps] == list(range(1, len(steps) + 1))
    assert {s.total for s in steps} == {len(steps)}


def test_a_step_carries_node_grad_inputs_locals_and_contributions() -> None:
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    y = x * w
    y.label = "y"
    first = next(y.backward_steps())
    assert first.node is y
    assert first.grad == 1.0
    assert first.inputs == (x, w)
    assert first.local_grads == (-3.0, 2.0)
    assert first.contributions == (-3.0, 2.0)


def test_step_reads_as_one_line_of_the_chain_rule() -> None:
    x, w = Value(2.0, label="x"), Value(3.0, label="w")
    y = (x * w) * 2
    y.label = "y"
    steps = list(y.backward_steps())
    assert str(steps[0]) == (
        "[1/5] y = (…)*2.0, grad=1.0: (x*w).grad += 2.0 × 1.0 = 2.0"
    )  # the constant 2.0 gets its share too, but the line leaves it out
    assert str(steps[1]) == (
        "[2/5] x*w, grad=2.0: x.grad += 3.0 × 2.0 = 6.0; w.grad += 2.0 × 2.0 = 4.0"
    )
    assert str(steps[-1]).endswith("nothing left to pass back")
    assert any(str(s).endswith("a constant, nothing left to pass back") for s in steps)
    assert "\n" not in "".join(map(str, steps))


def test_stopping_early_leaves_unvisited_nodes_without_this_pass() -> None:
    x = Value(2.0, label="x")
    h = x * 3
    y = h.exp()
    steps = y.backward_steps()
    next(steps)
    assert (y.grad, h.grad, x.grad) == (1.0, 0.0, 0.0)
    next(steps)
    assert h.grad == y.data and x.grad == 0.0


def test_stepping_into_a_step_reaches_the_ops_named_local_function() -> None:
    x = Value(0.5, label="x")
    steps = (x * 3).tanh().backward_steps()
    called: list[str] = []

    def tracer(frame, event, arg):  # what a debugger installs
        if event == "call":
            called.append(frame.f_code.co_name)
        return None

    sys.settrace(tracer)
    try:
        next(steps)
        next(steps)
    finally:
        sys.settrace(None)
    assert "tanh_local" in called and "mul_local" in called
    assert "<lambda>" not in called


# --- hooks -----------------------------------------------------------------


def test_hooks_run_in_backward_order() -> None:
    x = Value(1.5, label="x")
    a = x * 2
    a.label = "a"
    b = a.tanh()
    b.label = "b"
    c = b + a
    c.label = "c"
    seen: list[str] = []
    for node in (x, a, b, c):
        node.register_hook(lambda g, name=node.label: seen.append(name))
    c.backward()
    assert seen == [v.label for v in backward_order(c) if v.label] == ["c", "b", "a", "x"]


def test_hook_receives_the_nodes_gradient_as_a_float() -> None:
    x = Value(3.0, label="x")
    h = x * x
    got: list[object] = []
    h.register_hook(got.append)
    (h * 5).backward()
    assert got == [5.0] and type(got[0]) is float


def test_hook_receives_a_value_under_create_graph() -> None:
    x = Value(3.0)
    got: list[object] = []
    x.register_hook(got.append)
    (x * x).backward(create_graph=True)
    assert isinstance(got[0], Value) and got[0].data == 6.0


def test_hooks_on_one_node_run_in_registration_order() -> None:
    x = Value(1.0)
    seen: list[int] = []
    x.register_hook(lambda g: seen.append(1))
    x.register_hook(lambda g: seen.append(2))
    (x * 2).backward()
    assert seen == [1, 2]


def test_removed_hook_is_not_called_and_remove_is_idempotent() -> None:
    x = Value(2.0)
    seen: list[float] = []
    handle = x.register_hook(seen.append)
    (x * 3).backward()
    handle.remove()
    handle.remove()
    (x * 3).backward()
    assert seen == [3.0]
    assert hooks_of(x) is None


def test_removing_one_hook_keeps_the_others() -> None:
    x = Value(2.0)
    first: list[float] = []
    second: list[float] = []
    h1 = x.register_hook(first.append)
    x.register_hook(second.append)
    h1.remove()
    (x * 3).backward()
    assert (first, second) == ([], [3.0])


def test_hook_return_value_replaces_the_gradient_downstream() -> None:
    x = Value(2.0, label="x")
    h = x * 3
    y = h * 4
    h.register_hook(lambda g: g * 10)  # 4 -> 40
    y.backward()
    assert h.grad == 40.0
    assert x.grad == 120.0


def test_hook_returning_none_keeps_the_gradient() -> None:
    x = Value(2.0)
    x.register_hook(lambda g: None)
    (x * 3).backward()
    assert x.grad == 3.0


def test_hooks_run_during_backward_steps() -> None:
    x = Value(2.0, label="x")
    seen: list[float] = []
    x.register_hook(seen.append)
    for _ in (x * 7).backward_steps():
        pass
    assert seen == [7.0] and x.grad == 7.0


def test_register_hook_needs_a_callable() -> None:
    with pytest.raises(TypeError, match="callable"):
        Value(1.0).register_hook(42)  # type: ignore[arg-type]


# --- explain ---------------------------------------------------------------


def leaves(y: Value) -> list[Value]:
    return [v for v in topological_order(y) if v.label and not v.inputs]


@pytest.mark.parametrize("build", BUILDERS, ids=lambda b: b.__name__)
def test_explain_sum_over_paths_equals_grad_after_backward(build) -> None:
    y = build()
    y.backward()
    for x in leaves(y):
        e = ag.explain(y, x)
        assert e.source == "backward"
        assert e.matches, str(e)
        assert math.isclose(e.total, x.grad, rel_tol=1e-12, abs_tol=1e-15)


@pytest.mark.parametrize("build", BUILDERS, ids=lambda b: b.__name__)
def test_explain_computes_the_gradient_itself_without_backward(build) -> None:
    y = build()
    for x in leaves(y):
        e = ag.explain(y, x)
        assert e.source == "computed" and e.matches, str(e)
        assert "backward() has not run" in str(e)
        assert x.grad == 0.0  # untouched


def test_explain_lists_one_term_per_path_and_their_sum() -> None:
    x = Value(3.0, label="x")
    w = Value(2.0, label="w")
    h = x * w
    h.label = "h"
    y = h * x  # x reaches y directly and through h
    y.label = "y"
    y.backward()
    e = ag.explain(y, x)
    assert e.path_count == 2
    # ∂y/∂x = ∂y/∂h·∂h/∂x + ∂y/∂x|direct = x·w + h = 3·2 + 6
    assert [p.product for p in e.paths] == [6.0, 6.0]
    assert [[n.label for n in p.nodes] for p in e.paths] == [["y", "h", "x"], ["y", "x"]]
    assert math.fsum(p.product for p in e.paths) == x.grad == 12.0
    text = str(e)
    assert "y ← h ← x: 1 × 3.0 × 2.0 = 6.0" in text
    assert "y ← x: 1 × 6.0 = 6.0" in text
    assert "sum over 2 paths = 12.0" in text
    assert "x.grad = 12.0 ✓" in text


def test_explain_tells_the_two_edges_of_x_times_x_apart() -> None:
    x = Value(2.0, label="x")
    e = ag.explain(x * x, x)
    assert e.path_count == 2 and e.total == 4.0
    assert "(operand 1)" in str(e) and "(operand 2)" in str(e)


def test_explain_summarises_exponentially_many_paths() -> None:
    x = Value(1.0, label="x")
    h = x
    for _ in range(60):  # each level doubles the number of paths: 2**60
        h = h * 0.5 + h * 0.5
    h.label = "y"
    e, calls = calls_made(lambda: ag.explain(h, x, max_paths=5))
    assert calls < 100_000  # enumerating 2**60 paths would never end
    assert e.path_count == 2**60
    assert len(e.paths) == 5
    assert e.matches and e.total == 1.0
    assert f"… and {2**60 - 5:,} more paths contributing" in str(e)


def test_explain_of_an_unrelated_node_is_zero() -> None:
    x, other = Value(1.0, label="x"), Value(2.0, label="z")
    e = ag.explain(x * 3, other)
    assert e.path_count == 0 and e.total == 0.0 and e.matches
    assert "not in the graph" in str(e)


def test_explain_works_for_an_intermediate_node_and_for_y_itself() -> None:
    x = Value(0.5, label="x")
    h = x.exp()
    y = h * h
    y.backward()
    assert ag.explain(y, h).total == h.grad
    itself = ag.explain(y, y)
    assert itself.total == 1.0 and itself.path_count == 1


def test_explain_says_when_grad_has_accumulated_over_two_backward_calls() -> None:
    x = Value(2.0, label="x")
    y = x * 3
    y.backward()
    y.backward()
    e = ag.explain(y, x)
    assert not e.matches
    assert "differs" in str(e) and "zero_grad" in str(e)


def test_explain_elides_long_paths() -> None:
    x = Value(0.1, label="x")
    y = x
    for _ in range(1000):
        y = y * 1.0
    line = ag.explain(y, x).paths[0].describe()
    assert "more factors" in line and "more nodes" in line and len(line) < 300


def test_explain_renders_as_a_markdown_table() -> None:
    x = Value(2.0, label="x_1")
    y = x * x
    md = ag.explain(y, x)._repr_markdown_()
    assert "| # | path | local derivatives | product |" in md
    assert "x\\_1" in md  # escaped for Markdown
    assert "**sum over 2 paths**" in md


def test_explain_rejects_non_values() -> None:
    with pytest.raises(TypeError):
        ag.explain(1.0, Value(1.0))  # type: ignore[arg-type]


# --- detect_anomaly --------------------------------------------------------


def here() -> int:
    """The caller's line number."""
    return sys._getframe(1).f_lineno


def test_anomaly_in_forward_names_the_op_inputs_and_line() -> None:
    x = Value(1e308, label="x")
    with pytest.raises(ag.AnomalyError) as info, ag.detect_anomaly():
        line = here() + 1
        x * 10
    message = str(info.value)
    assert message.startswith("* produced inf in the forward pass")
    assert "Value(data=1e+308" in message and "label='x'" in message and "10.0" in message
    assert f"{__file__}:{line}" in message
    assert "x * 10" in message  # the source line itself
    assert info.value.op == "*" and info.value.site == (__file__, line)


def test_anomaly_catches_nan() -> None:
    inf = Value(math.inf, label="big")
    with pytest.raises(ag.AnomalyError, match=r"^- produced nan"), ag.detect_anomaly():
        inf - inf


def test_anomaly_in_backward_names_the_op_and_where_it_was_created() -> None:
    x = Value(0.0, label="x")
    with ag.detect_anomaly():
        line = here() + 1
        y = x.sqrt() * 2  # sqrt's slope at 0 is infinite
        with pytest.raises(ag.AnomalyError) as info:
            y.backward()
    message = str(info.value)
    assert message.startswith("backward of sqrt produced inf for its input 1 (x)")
    assert "local derivative inf × upstream gradient 2.0" in message
    assert f"{__file__}:{line}" in message
    assert info.value.op == "sqrt" and info.value.site == (__file__, line)


def test_anomaly_for_a_node_created_outside_says_so() -> None:
    x = Value(0.0, label="x")
    y = x.sqrt()
    with pytest.raises(ag.AnomalyError, match="created outside"), ag.detect_anomaly():
        y.backward()


def test_anomaly_error_is_a_floating_point_error() -> None:
    assert issubclass(ag.AnomalyError, FloatingPointError)
    assert issubclass(ag.AnomalyError, ArithmeticError)


def test_anomaly_ignores_gradients_of_constants() -> None:
    x = Value(-2.0, label="x")
    with ag.detect_anomaly():
        y = x**2  # d/d(exponent) at a negative base is NaN, but the 2 is a constant
        y.backward()
    assert x.grad == -4.0


def test_anomaly_flags_a_nan_gradient_for_a_real_exponent() -> None:
    x, n = Value(-2.0, label="x"), Value(2.0, label="n")
    expected = r"backward of \*\* produced nan for its input 2"
    with pytest.raises(ag.AnomalyError, match=expected), ag.detect_anomaly():
        (x**n).backward()


def test_anomaly_checks_forward_under_no_grad_too() -> None:
    with pytest.raises(ag.AnomalyError), ag.detect_anomaly(), ag.no_grad():
        Value(1e200) * Value(1e200)


def test_gradients_inside_detect_anomaly_are_unchanged() -> None:
    def run(y: Value) -> None:
        y.backward()

    plain = grads_after(neuron, run)
    with ag.detect_anomaly():
        watched = grads_after(neuron, run)
    assert watched == plain


def test_detect_anomaly_restores_the_previous_monitor_on_exit_and_on_error() -> None:
    assert current_monitor() is None
    with ag.detect_anomaly():
        outer = current_monitor()
        with ag.detect_anomaly():
            assert current_monitor() is not outer
        assert current_monitor() is outer
        with pytest.raises(RuntimeError), ag.detect_anomaly():
            raise RuntimeError
        assert current_monitor() is outer
    assert current_monitor() is None and not engine_mode.special


def test_nested_detect_anomaly_still_knows_where_outer_nodes_were_created() -> None:
    x = Value(0.0, label="x")
    with ag.detect_anomaly():
        line = here() + 1
        y = x.sqrt()
        with ag.detect_anomaly(), pytest.raises(ag.AnomalyError) as info:
            y.backward()
    assert info.value.site == (__file__, line)


def test_detect_anomaly_only_affects_its_own_thread() -> None:
    seen: list[object] = []
    with ag.detect_anomaly():
        thread = threading.Thread(target=lambda: seen.append(current_monitor()))
        thread.start()
        thread.join()
    assert seen == [None]


def test_detect_anomaly_works_as_a_decorator() -> None:
    @ag.detect_anomaly()
    def overflow(v: Value) -> Value:
        return v.exp()

    with pytest.raises(ag.AnomalyError, match="exp produced inf"):
        overflow(Value(1000.0))
    assert current_monitor() is None
    assert overflow.__name__ == "overflow"


def test_explain_masks_a_zero_local_derivative_as_backward_does() -> None:
    # The README's masking example: relu(x) at x < 0 has derivative 0, sqrt's is inf there.
    x = Value(-1.0, label="x")
    y = x.relu().sqrt()
    y.backward()
    e = ag.explain(y, x)
    assert x.grad == 0.0 and e.total == 0.0 and e.matches
    assert e.paths[0].factors == (math.inf, 0.0) and e.paths[0].product == 0.0
    assert "sum over 1 path = 0.0" in str(e) and "✓" in str(e)


def test_explain_agrees_with_backward_when_masked_paths_meet_an_overflow() -> None:
    x = Value(1.0, label="x")
    y = x
    for _ in range(1100):  # 2**1100 overflows; the *0.0 paths stay exactly 0
        y = y * 2.0 + y * 0.0
    y.backward()
    e = ag.explain(y, x, max_paths=2)
    assert x.grad == math.inf and e.total == math.inf and e.matches
    assert e.path_count == 2**1100


def test_explain_lists_each_path_product_as_backward_forms_it() -> None:
    # relu(sqrt(x) - 1) at 0: the zero (relu') is above the inf (sqrt'): 0 × inf is NaN
    # there, in backward() as in torch; only an inf coming down onto a zero is masked.
    x = Value(0.0, label="x")
    y = (x.sqrt() - 1.0).relu()
    y.backward()
    e = ag.explain(y, x)
    assert math.isnan(x.grad) and math.isnan(e.paths[0].product) and math.isnan(e.total)
    assert e.matches


def test_explain_takes_a_grad_of_none_as_no_gradient_yet() -> None:
    x = Value(2.0, label="x")
    y = x * x
    y.grad = None
    e = ag.explain(y, x)
    assert e.total == 4.0 and e.source == "computed" and e.matches
    y.grad = 0.0
    y.backward()
    x.grad = None
    e = ag.explain(y, x)
    assert e.source == "backward" and not e.matches
