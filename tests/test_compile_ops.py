"""Every op compiles: each entry of the shared op table on the numpy and Python tiers vs eager."""

from __future__ import annotations

import math
import struct

import pytest
from optable import ALL, TABLE

import autograd_lite as ag
from autograd_lite import Value
from autograd_lite.compile import codegen_loops

#: "python" runs small traces as straight-line code; "grouped" forces the Python
#: tier's loop-per-group code (what big traces get) onto these small ones.
TIERS = ["numpy", "python", "grouped"]


@pytest.fixture
def tier(request, monkeypatch):
    if request.param == "grouped":
        monkeypatch.setattr(codegen_loops, "MIN_NODES", 0)
        monkeypatch.setattr(codegen_loops, "MIN_FOLD", 0)
        return "python"
    return request.param


N = 12
#: Ops whose numpy kernel is the engine's own IEEE formula (arithmetic, sqrt, rounding,
#: comparisons, sums added left to right): bit for bit. numpy's transcendental
#: functions may differ from ``math``'s in the last bit, and a neuron is a BLAS
#: matrix product, so the rest agree to 1e-12 relative. The Python tier
#: runs the op records themselves: bit for bit everywhere.
SAME_FORMULA = frozenset(
    {"+", "-", "*", "/", "%", "neg", "abs", "identity", "sqrt", "relu", "leaky_relu"}
    | {"floor", "ceil", "trunc", "maximum", "minimum", "sum"}
)
#: In-domain inputs for the ops that have a domain (the op applied to ``w * x`` unshaped).
INSIDE = {
    "log": 2.0, "sqrt": 2.0, "log2": 2.0, "log10": 2.0, "acosh": 1.5,
    "asin": 0.5, "acos": 0.5, "atanh": 0.5, "log1p": 0.5,
}  # fmt: skip


def bits(x: float) -> int:
    return struct.unpack("<q", struct.pack("<d", x))[0]


def close(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b)) or (a != a and b != b)


def program(name: str):
    """``f(xs, ys)``: the op on every sample, each sample with parameters of its own."""
    case = TABLE[name]
    ws = [Value(1.0 + 0.01 * i) for i in range(N)]
    vs = [Value(0.5 - 0.02 * i) for i in range(N)]

    def f(xs, ys):
        if case.arity == 1:
            terms = [case.ag_call(w * x) for w, x in zip(ws, xs)]
        else:
            terms = [case.ag_call(w * x, v * y) for w, v, x, y in zip(ws, vs, xs, ys)]
        return ag.sum(terms)

    return f, ws + vs


def run(f, params, *args):
    for p in params:
        p.grad = 0.0
    out = f(*args)
    out.backward()
    return out.data, [p.grad for p in params]


@pytest.mark.parametrize("tier", TIERS, indirect=True)
@pytest.mark.parametrize("name", ALL)
def test_every_op_compiles_on_both_tiers_and_matches_eager(name: str, tier: str) -> None:
    f, params = program(name)
    step = ag.compile(f, tier=tier)
    xs = [-2.0 + 0.37 * i for i in range(N)]
    ys = [1.3 - 0.29 * i for i in range(N)]
    want_loss, want = run(f, params, xs, ys)
    for _ in range(2):  # the trace, then a replay
        got_loss, got = run(step, params, xs, ys)
        assert step.mode == tier, step.fallback_reason
    if tier == "python" or name in SAME_FORMULA:
        assert bits(got_loss) == bits(want_loss)
        assert [bits(g) for g in got] == [bits(g) for g in want]
    else:
        assert close(got_loss, want_loss), (got_loss, want_loss)
        bad = [(i, a, b) for i, (a, b) in enumerate(zip(got, want)) if not close(a, b)]
        assert not bad, bad


@pytest.mark.parametrize("tier", TIERS, indirect=True)
@pytest.mark.parametrize("name", sorted(n for n in ALL if TABLE[n].bad and TABLE[n].arity == 1))
def test_domain_errors_raise_what_eager_raises(name: str, tier: str) -> None:
    case = TABLE[name]
    assert case.bad is not None
    (outside,), error = case.bad
    w = Value(1.0)
    step = ag.compile(lambda xs: ag.sum([ag.OPS[name](w * x) for x in xs]), tier=tier)
    step([INSIDE[name]] * N)
    assert step.mode == tier, step.fallback_reason
    with pytest.raises(error, match=name):
        step([INSIDE[name]] * (N - 1) + [outside])


@pytest.mark.parametrize("tier", TIERS, indirect=True)
@pytest.mark.parametrize("op", ["/", "%"])
def test_division_and_modulo_by_zero_raise_zero_division_error(op: str, tier: str) -> None:
    w = Value(1.0)
    call = (lambda a, b: a / b) if op == "/" else (lambda a, b: a % b)
    step = ag.compile(lambda xs, ys: ag.sum([call(w * x, y) for x, y in zip(xs, ys)]), tier=tier)
    step([1.0] * N, [2.0] * N)
    assert step.mode == tier, step.fallback_reason
    with pytest.raises(ZeroDivisionError):
        step([1.0] * N, [2.0] * (N - 1) + [0.0])


@pytest.mark.parametrize("tier", TIERS, indirect=True)
@pytest.mark.parametrize("name", ["sin", "cos", "tan"])
def test_periodic_functions_of_inf_are_nan_as_eagerly(name: str, tier: str) -> None:
    w = Value(1.0)
    step = ag.compile(lambda xs: ag.sum([ag.OPS[name](w * x) for x in xs]), tier=tier)
    step([0.5] * N)
    out = step([0.5] * (N - 1) + [math.inf])
    assert math.isnan(out.data) and step.mode == tier, step.fallback_reason


@pytest.mark.parametrize("tier", TIERS, indirect=True)
@pytest.mark.parametrize("name", ["floor", "ceil", "trunc"])
def test_a_zero_local_derivative_contributes_exactly_nothing(name: str, tier: str) -> None:
    w = Value(2.0)
    step = ag.compile(lambda xs: ag.sum([ag.OPS[name](w * x) * 3.0 + w for x in xs]), tier=tier)
    out = step([0.3 * i for i in range(N)])
    out.backward()
    assert w.grad == float(N) and step.mode == tier


def test_a_user_op_without_a_kernel_folds_through_its_record() -> None:
    cube = ag.defop("cube_for_compile_ops_test", lambda x: x * x * x, lambda out, x: (3.0 * x * x,))
    w = Value(0.5)
    f = lambda xs: ag.sum([cube(w * x) for x in xs])  # noqa: E731
    step = ag.compile(f)
    xs = [0.1 * i - 0.4 for i in range(20)]
    _, want = run(f, [w], xs)
    for _ in range(2):
        _, got = run(step, [w], xs)
    assert step.mode == "numpy", step.fallback_reason
    assert close(got[0], want[0])


def test_a_user_op_that_raises_raises_what_eager_raises() -> None:
    root = ag.defop("checked_root_for_compile_ops_test", math.sqrt, lambda out, x: (0.5 / out,))
    w = Value(1.0)
    step = ag.compile(lambda xs: ag.sum([root(w * x) for x in xs]), tier="numpy")
    step([4.0] * N)
    assert step.mode == "numpy", step.fallback_reason
    with pytest.raises(ValueError, match="math domain error"):
        step([4.0] * (N - 1) + [-1.0])
