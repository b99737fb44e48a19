"""Property: random programs with branches give the eager answer when compiled.

Hypothesis draws a small straight-line program over a register file (the
float arguments, some parameters and constants), with binary and unary ops,
n-ary sums and dots, and ``if a > b`` branches whose arms compute different
things. The program is run over a batch of samples (so the numpy tier folds
it) or on one sample (the Python tier), compiled and eagerly, on the traced
inputs and on fresh ones (which may take other branches: then the guards
must send the call to eager). Loss and every gradient must agree to 1e-12.
"""

from __future__ import annotations

import math
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite import Value
from autograd_lite.compile import codegen_loops

BINARY = ["+", "-", "*"]
UNARY = ["tanh", "sigmoid", "relu", "sin", "cos", "neg", "abs", "square"]

finite = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)


def _apply(op: str, a, b=None):
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "neg":
        return -a
    if op == "abs":
        return abs(a)
    if op == "square":
        return a**2
    return getattr(a, op)()


@st.composite
def programs(draw):
    n_in = draw(st.integers(1, 3))
    n_params = draw(st.integers(1, 3))
    regs = n_in + n_params
    body = []
    for _ in range(draw(st.integers(1, 10))):
        kind = draw(st.sampled_from(["binary", "unary", "branch", "sum", "dot", "const"]))
        pick = st.integers(0, regs - 1)
        if kind == "binary":
            body.append(("binary", draw(st.sampled_from(BINARY)), draw(pick), draw(pick)))
        elif kind == "unary":
            body.append(("unary", draw(st.sampled_from(UNARY)), draw(pick)))
        elif kind == "branch":
            body.append(
                (
                    "branch",
                    draw(pick),
                    draw(pick),
                    draw(st.sampled_from(UNARY)),
                    draw(st.sampled_from(UNARY)),
                    draw(pick),
                )
            )
        elif kind == "sum":
            body.append(("sum", draw(st.lists(pick, min_size=1, max_size=4))))
        elif kind == "dot":
            k = draw(st.integers(1, 3))
            body.append(
                (
                    "dot",
                    draw(st.lists(pick, min_size=k, max_size=k)),
                    draw(st.lists(pick, min_size=k, max_size=k)),
                    draw(st.booleans()),
                )
            )
        else:
            body.append(("const", draw(finite), draw(pick)))
        regs += 1
    params = draw(st.lists(finite, min_size=n_params, max_size=n_params))
    return n_in, params, body


def run_program(program, xs, params):
    _, _, body = program
    # Eagerly the arguments are floats; Values make the ops' methods available.
    r = [x if isinstance(x, Value) else Value(x) for x in xs] + list(params)
    for step in body:
        kind = step[0]
        if kind == "binary":
            r.append(_apply(step[1], r[step[2]], r[step[3]]))
        elif kind == "unary":
            r.append(_apply(step[1], r[step[2]]))
        elif kind == "branch":
            _, a, b, then, other, c = step
            r.append(_apply(then, r[c]) if r[a] > r[b] else _apply(other, r[c]) * 0.5)
        elif kind == "sum":
            r.append(ag.sum([r[i] for i in step[1]]))
        elif kind == "dot":
            r.append(
                ag.dot([r[i] for i in step[1]], [r[i] for i in step[2]], 0.25 if step[3] else None)
            )
        else:
            r.append(r[step[2]] * step[1])
    out = r[-1]
    # The loss must depend on a parameter, so that there is always a Value.
    return out + params[0] * 0.125


def close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))


def check(compiled, params, *args):
    for p in params:
        p.grad = 0.0
    out = compiled(*args)
    out.backward()
    got = [p.grad for p in params]
    mode = compiled.mode
    for p in params:
        p.grad = 0.0
    ref = compiled.eager(*args)
    ref.backward()
    assert close(out.data, ref.data), (mode, out.data, ref.data)
    for a, b in zip(got, [p.grad for p in params]):
        assert close(a, b), (mode, compiled.fallback_reason, got, [p.grad for p in params])
    return mode


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.data())
def test_one_sample_programs_compile_to_the_eager_answer(program, data):
    n_in, values, _ = program
    params = [Value(v) for v in values]
    compiled = ag.compile(lambda *xs: run_program(program, xs, params), tier="python")
    for _ in range(3):
        xs = data.draw(st.lists(finite, min_size=n_in, max_size=n_in))
        assert check(compiled, params, *xs) in ("python", "eager")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.data(), st.integers(2, 12))
def test_batched_programs_fold_and_compile_to_the_eager_answer(program, data, batch):
    n_in, values, _ = program
    params = [Value(v) for v in values]

    def loss(rows):
        return ag.sum([run_program(program, row, params) for row in rows]) / len(rows)

    compiled = ag.compile(loss, tier="numpy")
    rows = data.draw(
        st.lists(st.lists(finite, min_size=n_in, max_size=n_in), min_size=batch, max_size=batch)
    )
    assert check(compiled, params, rows) in (
        "numpy",
        "python",
    )  # traced with these rows: guards hold
    assert check(compiled, params, rows) in ("numpy", "python")
    fresh = data.draw(
        st.lists(st.lists(finite, min_size=n_in, max_size=n_in), min_size=batch, max_size=batch)
    )
    check(compiled, params, fresh)  # other branches may be taken: then eagerly


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.data(), st.integers(2, 12))
def test_batched_programs_on_the_grouped_python_tier_give_the_eager_answer(program, data, batch):
    n_in, values, _ = program
    params = [Value(v) for v in values]

    def loss(rows):
        return ag.sum([run_program(program, row, params) for row in rows]) / len(rows)

    rows = data.draw(
        st.lists(st.lists(finite, min_size=n_in, max_size=n_in), min_size=batch, max_size=batch)
    )
    fresh = data.draw(
        st.lists(st.lists(finite, min_size=n_in, max_size=n_in), min_size=batch, max_size=batch)
    )
    # Big traces get one loop per group; force it onto these small ones.
    with (
        mock.patch.object(codegen_loops, "MIN_NODES", 0),
        mock.patch.object(codegen_loops, "MIN_FOLD", 0),
    ):
        compiled = ag.compile(loss, tier="python")
        assert check(compiled, params, rows) in ("python", "eager")
        if compiled.mode == "python":
            assert "    v0 = A\n" in compiled.code(rows)  # the grouped code, not straight-line
        check(compiled, params, rows)
        check(compiled, params, fresh)
