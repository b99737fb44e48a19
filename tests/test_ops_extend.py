"""ag.defop (a user op works everywhere a built-in one does), numpy and foreign
types, huge integers, and pickling/copying graphs of any depth."""

from __future__ import annotations

import copy
import math
import pickle
import sys

import pytest

import autograd_lite as ag
from autograd_lite import Value

# softplus as a user op, the README's example (module level: defop names are global)
smooth_relu = ag.defop(
    "user_softplus", lambda x: math.log1p(math.exp(x)), lambda out, x: (ag.sigmoid(x),)
)
# a binary user op: x·eʸ
scaled_exp = ag.defop("scaled_exp", lambda x, y: x * ag.exp(y), lambda out, x, y: (ag.exp(y), out))


def softplus(x: float) -> float:
    return math.log1p(math.exp(x))


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


# --- defop -------------------------------------------------------------------------


def test_a_user_op_is_a_node_named_by_the_user() -> None:
    x = Value(0.3, label="x")
    y = smooth_relu(x)
    assert y.op == "user_softplus" and y.inputs == (x,)
    assert y.data == softplus(0.3)
    assert isinstance(smooth_relu(0.3), Value)  # numbers in: a Value too, as DESIGN.md says
    assert ag.OPS["user_softplus"] is smooth_relu


def test_a_user_op_differentiates_to_any_order() -> None:
    y = smooth_relu(Value(0.3))
    y.backward()
    assert y.inputs[0].grad == sigmoid(0.3)
    d1 = ag.grad(lambda x: smooth_relu(x))(0.3)
    d2 = ag.grad(ag.grad(lambda x: smooth_relu(x)))(0.3)
    d3 = ag.grad(ag.grad(ag.grad(lambda x: smooth_relu(x))))(0.3)
    s = sigmoid(0.3)
    assert d1 == pytest.approx(s, rel=1e-15)
    assert d2 == pytest.approx(s * (1 - s), rel=1e-12)
    assert d3 == pytest.approx(s * (1 - s) * (1 - 2 * s), rel=1e-12)


def test_a_user_op_passes_gradcheck_and_gradgradcheck() -> None:
    assert ag.gradcheck(lambda a, b: scaled_exp(a, b) * smooth_relu(a), [0.4, -0.7])
    assert ag.gradgradcheck(lambda a, b: scaled_exp(a, b), [0.4, -0.7])


def test_a_user_op_in_steps_explain_anomaly_and_drawings() -> None:
    x = Value(0.3, label="x")
    y = scaled_exp(smooth_relu(x), x)
    steps = list(y.backward_steps())
    assert [s.node.op for s in steps[:2]] == ["scaled_exp", "user_softplus"]
    assert "user_softplus" in str(steps[1])
    assert ag.explain(y, x).matches
    assert "user_softplus" in ag.draw_graph(y).source
    with ag.detect_anomaly():
        z = scaled_exp(smooth_relu(x), x)
        z.backward()
    with pytest.raises(ag.AnomalyError, match="scaled_exp"), ag.detect_anomaly():
        scaled_exp(Value(1.0), Value(1000.0))  # inf in the forward pass


def test_a_user_op_compiles() -> None:
    w = Value(0.5, label="w")

    @ag.compile
    def loss(xs: list[float]) -> Value:
        return ag.sum([smooth_relu(w * x) for x in xs])

    xs = [0.1 * i - 1 for i in range(12)]
    compiled = loss(xs)
    compiled.backward()
    got = w.grad
    w.grad = 0.0
    eager = ag.sum([smooth_relu(w * x) for x in xs])
    eager.backward()
    assert compiled.data == pytest.approx(eager.data, rel=1e-12)
    assert got == pytest.approx(w.grad, rel=1e-12)


def test_a_name_that_exists_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="'tanh' already exists"):
        ag.defop("tanh", math.tanh, lambda out, x: (1 - out * out,))
    with pytest.raises(ValueError, match="'user_softplus' already exists"):
        ag.defop("user_softplus", math.tanh, lambda out, x: (1.0,))


def test_a_local_with_the_wrong_number_of_derivatives_names_the_op() -> None:
    bad = ag.defop("bad_arity", lambda x, y: x + y, lambda out, x, y: (1.0,))
    with pytest.raises(TypeError, match=r"bad_arity.*1 derivative.*2 input"):
        bad(Value(1.0), Value(2.0))


def test_bad_defop_arguments_are_type_errors() -> None:
    with pytest.raises(TypeError, match="name"):
        ag.defop("", math.exp, lambda out, x: (out,))
    with pytest.raises(TypeError, match="callable"):
        ag.defop("not_callable", 3, lambda out, x: (out,))  # type: ignore[arg-type]


# --- numpy and foreign types --------------------------------------------------------


def test_comparisons_with_numpy_arrays_broadcast_both_ways() -> None:
    np = pytest.importorskip("numpy")
    a = np.array([0, 2])
    assert (Value(1) < a).tolist() == [False, True]
    assert (a > Value(1)).tolist() == [False, True]
    assert (Value(1) >= np.array([[1.0], [3.0]])).tolist() == [[True], [False]]


class Meters:
    """A foreign type that knows how to add a Value (from the right)."""

    def __radd__(self, other: object) -> str:
        return f"Meters added to {other!r:.14}"


def test_an_unknown_operand_lets_the_other_type_answer() -> None:
    assert (Value(1.0) + Meters()).startswith("Meters added to Value(data=1.0")


@pytest.mark.parametrize("other", ["2", None, [1.0], object()])
def test_what_nobody_handles_is_a_type_error(other: object) -> None:
    with pytest.raises(TypeError):
        Value(1.0) * other
    with pytest.raises(TypeError):
        other * Value(1.0)
    with pytest.raises(TypeError):
        Value(1.0) < other  # noqa: B015


def test_a_torch_tensor_is_a_type_error_not_an_attribute_error() -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="Tensor"):
        Value(torch.tensor(2.0))


def test_integers_too_large_for_a_float_are_overflow_errors_naming_the_op() -> None:
    with pytest.raises(OverflowError, match=r"Value\(\)"):
        Value(10**400)
    with pytest.raises(OverflowError, match=r"\*"):
        Value(2.0) * 10**400


def test_dot_and_sum_name_what_they_needed() -> None:
    with pytest.raises(TypeError, match="dot\\(\\) inputs needs a sequence"):
        ag.dot([Value(1.0)], None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="sum\\(\\) needs a sequence"):
        ag.sum(5)  # type: ignore[arg-type]


# --- pickling and copying ---------------------------------------------------------------


def chain(depth: int) -> tuple[Value, Value]:
    x = Value(0.5, label="x")
    y = x
    for _ in range(depth):
        y = (y * 1.0001).tanh() + x
    return x, y


@pytest.mark.parametrize("depth", [10, 20_000])
def test_deep_graphs_pickle_and_come_back_equal(depth: int) -> None:
    x, y = chain(depth)
    y.backward()
    x2, y2 = pickle.loads(pickle.dumps((x, y)))
    assert y2.data == y.data and y2.grad == y.grad and x2.grad == x.grad
    x2.grad = 0.0
    y2.backward()  # the restored graph is a graph: same gradients
    assert x2.grad == x.grad
    assert x2 in ag.topological_order(y2)  # identity kept across the pickle


@pytest.mark.parametrize("depth", [10, 20_000])
def test_deep_graphs_deep_copy(depth: int) -> None:
    x, y = chain(depth)
    y2 = copy.deepcopy(y)
    assert y2 is not y and y2.data == y.data
    leaves = [v for v in ag.topological_order(y2) if v.label == "x"]
    assert len(leaves) == 1 and leaves[0] is not x
    y2.backward()
    y.backward()
    assert leaves[0].grad == x.grad


def test_a_pickled_node_of_an_unknown_user_op_says_so() -> None:
    op = ag.defop("short_lived", lambda x: 2 * x, lambda out, x: (2.0,))
    data = pickle.dumps(op(Value(1.0)))
    del ag.core.ops._OPS["short_lived"]  # as in a process that never defined it
    try:
        with pytest.raises(ValueError, match="short_lived"):
            pickle.loads(data)
    finally:
        ag.core.ops._OPS["short_lived"] = op


def test_pickling_does_not_recurse() -> None:
    limit = sys.getrecursionlimit()
    _, y = chain(5_000)
    sys.setrecursionlimit(200)
    try:
        data = pickle.dumps(y)
        copied = copy.deepcopy(y)
    finally:
        sys.setrecursionlimit(limit)
    assert pickle.loads(data).data == y.data == copied.data
