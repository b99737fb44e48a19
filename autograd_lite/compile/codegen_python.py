"""The Python tier: a trace becomes two straight-line Python functions.

``forward(A, P)`` computes every node of the trace from the float arguments
``A`` and the parameters' current values ``P``, checks the guards, and
returns the output and the values backward needs; ``backward(saved, seed)``
returns the gradients of the parameters and argument Values the output
depends on. Each node is one line of plain float arithmetic, written to
give the same numbers as the engine (the same operations in the same
order), with no objects created per node. Ops without a hand-written line
call the op record's own ``forward``/``local`` functions.

Example:
    >>> from autograd_lite import Value
    >>> from autograd_lite.compile.trace import record
    >>> w = Value(3.0)
    >>> program = build(record(lambda x: (w * x).relu(), (2.0,), {}))
    >>> print(program.forward_source.splitlines()[3].strip())
    v2 = v1 * v0
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import _core
from .trace import Trace

#: Forward lines: op -> format string over the input names. Ops whose Python
#: function raises where the engine returns inf or NaN (exp, sin) call the
#: op record's own forward instead.
_FORWARD: dict[str, str] = {
    "+": "{0} + {1}",
    "-": "{0} - {1}",
    "*": "{0} * {1}",
    "/": "{0} / {1}",
    "neg": "-{0}",
    "abs": "abs({0})",
    "tanh": "tanh({0})",
    "relu": "0.0 if {0} <= 0.0 else {0}",
    "identity": "{0}",
}

#: Local derivatives: op -> one format string per input, over ``out`` and the input names.
_LOCAL: dict[str, tuple[str, ...]] = {
    "+": ("", ""),  # "" means exactly 1: the contribution is the upstream gradient itself
    "-": ("", "-1.0"),
    "*": ("{2}", "{1}"),
    "/": ("(1.0 / {2})", "(-{0} / {2})"),
    "neg": ("-1.0",),
    "exp": ("{0}",),
    "log": ("(1.0 / {1})",),
    "tanh": ("(1.0 - {0} * {0})",),
    "sigmoid": ("({0} * (1.0 - {0}))",),
    "relu": ("(1.0 if {0} > 0.0 else 0.0)",),
    "sin": ("cos({1})",),
    "cos": ("(-sin({1}))",),
    "identity": ("",),
}


@dataclass
class PythonProgram:
    """The generated functions of a trace, and what they read and write."""

    forward: Callable[..., Any]
    backward: Callable[..., Any]  # gradients of the parameters, then of the float arguments
    backward_params: Callable[..., Any]  # gradients of the parameters only
    forward_source: str
    backward_source: str
    grad_params: list[int]  # positions in trace.params that receive gradients
    grad_args: list[int]  # float-argument positions that receive gradients


def functions() -> dict[str, Any]:
    """The names the generated lines use: the op records' own functions on floats.

    (``sin(inf)`` is NaN and ``exp(1000)`` is inf there, as in the engine,
    where ``math`` raises.)
    """
    names: dict[str, Any] = {name: _core.op_forward(name) for name in ("exp", "sin", "cos")}
    names.update(log=math.log, sqrt=math.sqrt, tanh=math.tanh, inf=math.inf, nan=math.nan)
    return names


def _literal(x: float) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return repr(x)


def build(trace: Trace) -> PythonProgram:
    """Generate and compile the forward and backward functions for ``trace``."""
    entries = trace.entries
    names = {}
    namespace = functions()
    arg_names: list[tuple[int, str]] = []
    param_names: list[str] = []
    lines: list[str] = []
    for i, e in enumerate(entries):
        if e.kind == "const":
            names[i] = _literal(e.payload)
            continue
        names[i] = f"v{i}"
        if e.kind == "arg":
            arg_names.append((e.payload, f"v{i}"))
        elif e.kind == "param":
            param_names.append(f"v{i}")
        else:
            lines.append(f"v{i} = {_forward_expr(e.op, [names[j] for j in e.inputs], namespace)}")
    arg_names.sort()
    # Every float argument has an entry (the tracer makes one per argument).
    head = []
    if arg_names:
        head.append(f"({', '.join(n for _, n in arg_names)},) = A")
    if param_names:
        head.append(f"({', '.join(param_names)},) = P")
    checks = []
    for k, g in enumerate(trace.guards):
        a = names[g.a]
        b = names[g.other[1]] if g.other[0] == "entry" else _literal(g.other[1])
        test = f"{a} != 0.0" if g.kind == "bool" else f"{a} {g.kind} {b}"
        checks.append(f"if {'not ' if g.result else ''}({test}): return {k}")

    back_lines, saved, grad_params, grad_args = _backward(trace, names, namespace, True)
    params_lines, saved_params, _, _ = _backward(trace, names, namespace, False)
    saved = sorted(set(saved) | set(saved_params), key=lambda s: int(s[1:]))
    unpack = f"    ({', '.join(saved)},) = saved\n" if saved else ""
    back_lines = back_lines.replace("    (@SAVED@,) = saved\n", unpack)
    params_lines = params_lines.replace("    (@SAVED@,) = saved\n", unpack)
    out = names[trace.output]
    ret = f"return ({out}, ({', '.join(saved)}{',' if saved else ''}))"
    forward_source = "def forward(A, P):\n" + "".join(
        f"    {s}\n" for s in head + lines + checks + [ret]
    )
    backward_source = (
        back_lines + "\n" + params_lines.replace("def backward(", "def backward_params(")
    )
    exec(compile(forward_source, "<autograd_lite.compile forward>", "exec"), namespace)
    params_source = params_lines.replace("def backward(", "def backward_params(")
    return PythonProgram(
        namespace["forward"],
        _Lazy(back_lines, "backward", namespace),
        _Lazy(params_source, "backward_params", namespace),
        forward_source,
        backward_source,
        grad_params,
        grad_args,
    )


class _Lazy:
    """A generated function compiled on its first call.

    Compiling Python source costs about as much per line as running it a
    few hundred times, and a training loop usually needs only one of the two
    backward functions (with or without the arguments' gradients).
    """

    def __init__(self, source: str, name: str, namespace: dict[str, Any]) -> None:
        self.source, self.name, self.namespace = source, name, namespace
        self.fn: Callable[..., Any] | None = None

    def __call__(self, *args: Any) -> Any:
        fn = self.fn
        if fn is None:
            exec(
                compile(self.source, f"<autograd_lite.compile {self.name}>", "exec"), self.namespace
            )
            fn = self.fn = self.namespace[self.name]
        return fn(*args)


def _forward_expr(op: str, ins: list[str], namespace: dict[str, Any]) -> str:
    template = _FORWARD.get(op)
    if template is not None:
        return template.format(*ins)
    if op == "sum":
        return f"sum(({', '.join(ins)},), 0.0)"
    if op == "dot":
        n = len(ins) // 2
        terms = ", ".join(f"{w} * {x}" for w, x in zip(ins[:n], ins[n : 2 * n]))
        total = f"sum(({terms}{',' if n else ''}), 0.0)"
        return f"{total} + {ins[2 * n]}" if len(ins) % 2 else total
    fn = f"F_{_ident(op)}"
    namespace[fn] = _core.op_forward(op)
    return f"{fn}({', '.join(ins)})"


def _ident(op: str) -> str:
    return "".join(c if c.isalnum() else f"_{ord(c)}_" for c in op)


def _backward(
    trace: Trace, names: dict[int, str], namespace: dict[str, Any], want_args: bool
) -> tuple[str, list[str], list[int], list[int]]:
    """The backward function's source, the forward names it needs, and who gets gradients."""
    entries = trace.entries
    out = trace.output
    reached = [False] * len(entries)
    reached[out] = True
    for i in range(out, -1, -1):
        e = entries[i]
        if reached[i] and e.kind == "node" and e.grad:
            for j in e.inputs:
                reached[j] = True
    used: set[str] = set()
    started: set[int] = set()
    inits: list[str] = []
    lines = [f"g{out} = seed"]
    indent = [""]

    def name(j: int) -> str:
        n = names[j]
        if n.startswith("v"):
            used.add(n)
        return n

    def add(j: int, expr: str) -> None:
        if entries[j].kind == "const" or (entries[j].kind == "arg" and not want_args):
            return  # a constant's gradient is never read (nor, here, an argument's)
        if j not in started and indent[0]:
            inits.append(f"g{j} = 0.0")  # first touched inside a block that may be skipped
            started.add(j)
        if j in started:
            lines.append(f"{indent[0]}g{j} += {expr}")
        else:
            started.add(j)
            lines.append(f"g{j} = {expr}")

    for i in range(out, -1, -1):
        e = entries[i]
        if not reached[i] or e.kind != "node" or not e.grad:
            continue
        g = f"g{i}"
        ins = e.inputs
        if e.op in _LOCAL:
            for j, template in zip(ins, _LOCAL[e.op]):
                if entries[j].kind == "const":
                    continue
                if template == "":
                    add(j, g)
                else:
                    add(j, f"{template.format(name(i), *[name(k) for k in ins])} * {g}")
        elif e.op == "sum":
            for j in ins:
                add(j, g)
        elif e.op == "dot":
            # A neuron whose upstream gradient is 0 (its relu is off) adds
            # exactly 0 to every input, as long as its inputs are finite;
            # v - v is 0.0 for a finite output and NaN (true) otherwise.
            lines.append(f"if {g} or {name(i)} - {name(i)}:")
            indent[0] = "    "
            n = len(ins) // 2
            for w, x in zip(ins[:n], ins[n : 2 * n]):
                add(w, f"{name(x)} * {g}")
                add(x, f"{name(w)} * {g}")
            if len(ins) % 2:
                add(ins[2 * n], g)
            indent[0] = ""
            if lines[-1].startswith("if "):
                lines.pop()  # no input wants a gradient (constants, or arguments here)
        else:
            fn = f"L_{_ident(e.op)}"
            namespace[fn] = _core.op_local(e.op)
            local = f"l{i}"
            lines.append(f"{local} = {fn}({name(i)}, {', '.join(name(k) for k in ins)})")
            for k, j in enumerate(ins):
                add(j, f"{local}[{k}] * {g}")
    params = [i for i, e in enumerate(entries) if e.kind == "param"]
    grad_params = [k for k, i in enumerate(params) if reached[i] and i in started | {out}]
    args = [i for i, e in enumerate(entries) if e.kind == "arg"]
    grad_args = [entries[i].payload for i in args if reached[i] and i in started | {out}]
    result = [f"g{params[k]}" for k in grad_params] + [
        f"g{i}" for i in args if reached[i] and i in started | {out}
    ]
    saved = sorted(used, key=lambda s: int(s[1:]))
    head = "    (@SAVED@,) = saved\n"  # the forward saves what either backward needs
    body = "".join(f"    {s}\n" for s in inits + lines)
    source = (
        "def backward(saved, seed):\n"
        + head
        + body
        + f"    return ({', '.join(result)}{',' if result else ''})\n"
    )
    return source, saved, grad_params, grad_args
