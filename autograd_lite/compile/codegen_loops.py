"""The Python tier for big traces: one loop per group of alike nodes, not one line per node.

Straight-line code (:mod:`.codegen_python`) is one line per node, and
CPython compiles source at about 10 µs a line: a 100-sample MLP step is
150,000 lines and a first call of a second. Here the trace is folded first
(:mod:`.fold`: the per-sample copies of each node are one group), and each
group is one list comprehension over its members, written once however many
samples there are; a layer of neurons over the batch is one comprehension
over (sample, neuron) pairs with each neuron's weights and each sample's
inputs gathered once. Backward walks the groups in reverse and adds each
member's contribution into its inputs' gradient lists. The arithmetic per
node is the engine's (the same formulas in the same order), so values match
eager bit for bit and gradients to rounding (they are added in another order).

Example:
    >>> from autograd_lite import Value
    >>> from autograd_lite.compile.trace import record
    >>> w = Value(2.0)
    >>> f = lambda xs: sum(((w * x).relu() for x in xs), Value(0.0))
    >>> program = build(record(f, ([1.0, -1.0, 3.0],), {}), force=True)
    >>> print(program.forward_source.splitlines()[5].strip())
    v3 = [s3_0 * c1 for c1 in v0]
"""

from __future__ import annotations

import operator
import re
from typing import Any

from . import _core
from .codegen_python import _LOCAL, PythonProgram, _forward_expr, _ident, _literal, functions
from .fold import ARG, CONST, PARAM, Folded, Group, fold
from .trace import Trace

#: Fewest nodes for grouping to pay off (below, straight-line code compiles fast anyway),
#: and fewest nodes per group on average.
MIN_NODES = 1000
MIN_FOLD = 8


def build(trace: Trace, force: bool = False) -> PythonProgram | None:
    """The grouped program for ``trace``; None when it is small or does not fold.

    Args:
        trace: the recorded trace.
        force: group even a small trace (for testing and comparison).
    """
    nodes = sum(1 for e in trace.entries if e.kind == "node")
    if not force and nodes < MIN_NODES:
        return None
    folded = fold(trace)
    if not force and nodes < MIN_FOLD * (len(folded.groups) - 3):
        return None
    program = _Generator(folded).program()
    return program if _agrees(program, trace) else None


def _agrees(program: PythonProgram, trace: Trace) -> bool:
    """Replay the trace's own inputs: the output must be the traced one, bit for bit."""
    floats = [0.0] * trace.n_floats
    for e in trace.entries:
        if e.kind == "arg":
            floats[e.payload] = e.data
    params = [e.data for e in trace.entries if e.kind == "param"]
    try:
        result = program.forward(floats, params)
    except (ArithmeticError, ValueError):
        return False
    if type(result) is int:
        return False
    want, got = trace.entries[trace.output].data, result[0]
    return got == want or (got != got and want != want)


def _take(v: list[float], rows: tuple[int, ...]) -> list[float]:
    return list(map(v.__getitem__, rows))


def _words(expr: str) -> set[str]:
    return set(re.findall(r"\w+", expr))


def _names(stem: str, n: int) -> list[str]:
    return [f"{stem}{k}" for k in range(n)]


def _tuple(names: list[str]) -> str:
    return ", ".join(names) + ("," if len(names) == 1 else "")


class _Generator:
    """Writes the forward and backward source for one folded trace."""

    def __init__(self, folded: Folded) -> None:
        self.f = folded
        self.ns: dict[str, Any] = functions()
        self.ns.update(mul=operator.mul, take=_take)
        self.counter = 0
        self.fwd: list[str] = []
        self.bwd: list[str] = []
        self.inputs: dict[int, list[tuple[str, str]]] = {}  # group -> per position (kind, expr)
        self.grids: dict[int, Any] = {}  # a dot group laid out as samples x neurons
        self.scalars: dict[str, str] = {}  # an input every member shares: its defining line
        self.sums: dict[int, tuple[int, str]] = {}  # a wide sum: its source and rows
        self.fresh: set[int] = set()  # gradient lists nothing has added to yet
        self.want_args = True

    def const(self, value: Any, stem: str = "K") -> str:
        self.counter += 1
        name = f"{stem}{self.counter}"
        self.ns[name] = value
        return name

    def size(self, g: int) -> int:
        return self.f.groups[g].size

    # -- gathers --

    def column(self, g: int, k: int, s: int, idx: list[int]) -> tuple[str, str]:
        """Input position ``k`` of group ``g``: ``("scalar", name)`` or ``("list", expr)``."""
        first = idx[0]
        if all(i == first for i in idx):
            name = f"s{g}_{k}"
            self.scalars[name] = f"{name} = v{s}[{first}]"
            self.fwd.append(self.scalars[name])
            return "scalar", name
        if idx == list(range(first, first + len(idx))):
            whole = first == 0 and len(idx) == self.size(s)
            return "list", f"v{s}" if whole else f"v{s}[{first}:{first + len(idx)}]"
        return "list", f"{self.const(operator.itemgetter(*idx), 'IG')}(v{s})"

    # -- the program --

    def program(self) -> PythonProgram:
        f = self.f
        trace = f.trace
        groups = f.groups
        self.ns["C"] = [trace.entries[i].payload for i in groups[CONST].members]
        self.fwd += ["v0 = A", "v1 = P", "v2 = C"]
        for g in range(3, len(groups)):
            self.group(g, groups[g])
        self.guards()
        out_group, out_row = f.where[trace.output]
        params = groups[PARAM].members
        grad_params = [k for k, i in enumerate(params) if f.reached[i]]
        grad_args = [trace.entries[i].payload for i in groups[ARG].members if f.reached[i]]
        saved = [f"v{g}" for g in range(len(groups))] + [f"X{g}, W{g}, Z{g}" for g in self.grids]
        fsrc = "def forward(A, P):\n" + "".join(f"    {s}\n" for s in self.fwd)
        fsrc += f"    return (v{out_group}[{out_row}], ({', '.join(saved)},))\n"
        bsrc = ""
        for want_args, name in ((True, "backward"), (False, "backward_params")):
            body, result = self.backward_body(out_group, out_row, grad_params, grad_args, want_args)
            bsrc += f"def {name}(saved, seed):\n    ({', '.join(saved)},) = saved\n"
            bsrc += "".join(f"    {s}\n" for s in body) + f"    return {result}\n\n"
        exec(compile(fsrc, "<autograd_lite.compile grouped forward>", "exec"), self.ns)
        exec(compile(bsrc, "<autograd_lite.compile grouped backward>", "exec"), self.ns)
        return PythonProgram(
            self.ns["forward"],
            self.ns["backward"],
            self.ns["backward_params"],
            fsrc,
            bsrc,
            grad_params,
            grad_args,
        )

    def group(self, g: int, group: Group) -> None:
        if group.op == "dot" and self.grid(g, group):
            return
        if group.op == "sum" and len(set(group.sources)) == 1 and len(group.sources) > 2:
            # A wide sum (a batch's losses, an L2 term): each member adds one row of one group.
            rows = self.const(tuple(zip(*group.index)), "SR")
            s = group.sources[0]
            self.fwd.append(f"v{g} = [sum(take(v{s}, r), 0.0) for r in {rows}]")
            self.sums[g] = (s, rows)
            return
        pairs = enumerate(zip(group.sources, group.index))
        cols = [self.column(g, k, s, idx) for k, (s, idx) in pairs]
        self.inputs[g] = cols
        names = [expr if kind == "scalar" else f"c{k}" for k, (kind, expr) in enumerate(cols)]
        expr = _forward_expr(group.op, names, self.ns)
        lists = [(f"c{k}", e) for k, (kind, e) in enumerate(cols) if kind == "list"]
        if not lists:
            self.fwd.append(f"v{g} = [{expr}] * {group.size}")
        elif len(lists) == 1:
            self.fwd.append(f"v{g} = [{expr} for {lists[0][0]} in {lists[0][1]}]")
        else:
            targets = ", ".join(n for n, _ in lists)
            sources = ", ".join(e for _, e in lists)
            self.fwd.append(f"v{g} = [{expr} for {targets} in zip({sources})]")

    # -- a layer of neurons: samples x neurons --

    def grid(self, g: int, group: Group) -> bool:
        """Lay a dot group out as (sample, neuron) pairs; False if it is not such a grid."""
        n = len(group.sources) // 2
        has_bias = len(group.sources) % 2 == 1
        ws, xs = group.sources[:n], group.sources[n : 2 * n]
        if n == 0 or len(set(ws)) != 1 or len(set(xs)) != 1:
            return False
        sw, sx = ws[0], xs[0]
        sb = group.sources[2 * n] if has_bias else None
        bias_rows = [(i,) for i in group.index[2 * n]] if has_bias else [()] * group.size
        wkeys = [
            tuple(group.index[k][m] for k in range(n)) + bias_rows[m] for m in range(group.size)
        ]
        xkeys = [tuple(group.index[n + k][m] for k in range(n)) for m in range(group.size)]
        wrow: dict[tuple[int, ...], int] = {}
        xrow: dict[tuple[int, ...], int] = {}
        for key in wkeys:
            wrow.setdefault(key, len(wrow))
        for key in xkeys:
            xrow.setdefault(key, len(xrow))
        rows, cols = len(xrow), len(wrow)
        flat = [xrow[xk] * cols + wrow[wk] for xk, wk in zip(xkeys, wkeys)]
        if rows * cols != group.size or len(set(flat)) != group.size:
            return False
        wlist, xlist = list(wrow), list(xrow)
        WR = self.const(tuple(k[:n] for k in wlist), "WR")
        XR = self.const(tuple(xlist), "XR")
        self.fwd.append(f"W{g} = [take(v{sw}, r) for r in {WR}]")
        self.fwd.append(f"X{g} = [take(v{sx}, r) for r in {XR}]")
        # One neuron's sum, written out: the engine's Σ w·x in its order, then + b.
        xs_, ws_ = _names("x", n), _names("w", n)
        total = f"sum(({', '.join(f'{w} * {x}' for w, x in zip(ws_, xs_))},), 0.0)"
        if has_bias:
            BR: str | None = self.const(tuple(k[n] for k in wlist), "BR")
            self.fwd.append(f"B{g} = take(v{sb}, {BR})")
            self.fwd.append(f"WB{g} = [(*w, b) for w, b in zip(W{g}, B{g})]")
            total += " + b"
            neurons = f"({', '.join(ws_)}, b) in WB{g}"
        else:
            BR = None
            neurons = f"({_tuple(ws_)}) in W{g}"
        self.fwd.append(f"Z{g} = [{total} for ({_tuple(xs_)}) in X{g} for {neurons}]")
        perm = None
        if flat != list(range(group.size)):
            perm = self.const(operator.itemgetter(*flat), "PM")
            self.fwd.append(f"v{g} = list({perm}(Z{g}))")
        else:
            self.fwd.append(f"v{g} = Z{g}")
        self.grids[g] = (sw, sx, sb, WR, XR, BR, perm, rows, cols, flat, n)
        return True

    def sum_backward(self, g: int) -> None:
        s, rows = self.sums[g]
        if not self.wants(s):
            return
        self.touch(s)
        self.bwd.append(f"for gg, r in zip(g{g}, {rows}):")
        self.bwd.append("    for q in r:")
        self.bwd.append(f"        g{s}[q] += gg")

    def grid_backward(self, g: int) -> None:
        sw, sx, sb, WR, XR, BR, perm, rows, cols, flat, n = self.grids[g]
        if perm is None:
            self.bwd.append(f"G = g{g}")
        else:
            self.bwd.append(f"G = [0.0] * {rows * cols}")
            self.bwd.append(f"for m, q in enumerate({self.const(tuple(flat), 'FL')}):")
            self.bwd.append(f"    G[q] = g{g}[m]")
        xs_, ws_, acc = _names("x", n), _names("w", n), _names("a", n)
        zero = f"{' = '.join(acc)} = 0.0"
        # A member whose upstream gradient is 0 adds exactly 0 to each input, as
        # long as its inputs are finite: z - z is 0.0 for a finite output, else NaN.
        live = "if gg or z - z:"
        wants_w, wants_b = self.wants(sw), sb is not None and self.wants(sb)
        if wants_w or wants_b:
            # Per neuron j: ∂/∂w = Σ over the samples of upstream × input.
            self.bwd.append(f"for j, r in enumerate({WR}):")
            self.bwd.append(f"    {zero}; ab = 0.0")
            self.bwd.append(
                f"    for ({_tuple(xs_)}), gg, z in zip(X{g}, G[j::{cols}], Z{g}[j::{cols}]):"
            )
            self.bwd.append(f"        {live}")
            self.bwd += [f"            {a} += {x} * gg" for a, x in zip(acc, xs_)]
            self.bwd.append("            ab += gg")
            if wants_w:
                self.touch(sw)
                self.bwd.append(f"    for q, d in zip(r, ({_tuple(acc)})):")
                self.bwd.append(f"        g{sw}[q] += d")
            if wants_b:
                assert sb is not None
                self.touch(sb)
                self.bwd.append(f"    g{sb}[{BR}[j]] += ab")
        if self.wants(sx):
            # Per sample i: ∂/∂x = Σ over the neurons of upstream × weight.
            whole = (
                sx in self.fresh
                and rows * n == self.size(sx)
                and self.ns[XR]
                == tuple(tuple(range(i * n, (i + 1) * n)) for i in range(self.size(sx) // n))
            )
            self.touch(sx)
            if whole and cols == 1:
                # One neuron (an output layer): each sample's slope is its weights × upstream.
                self.bwd.append(f"g{sx} = [w * gg for gg in G for w in W{g}[0]]")
                return
            if whole:
                self.bwd.append(f"g{sx} = []")
            self.bwd.append(f"for i, r in enumerate({XR}):")
            self.bwd.append(f"    {zero}")
            self.bwd.append(f"    at, to = i * {cols}, (i + 1) * {cols}")
            self.bwd.append(f"    for ({_tuple(ws_)}), gg, z in zip(W{g}, G[at:to], Z{g}[at:to]):")
            self.bwd.append(f"        {live}")
            self.bwd += [f"            {a} += {w} * gg" for a, w in zip(acc, ws_)]
            if whole:  # each sample's inputs are the next n values of their group
                self.bwd.append(f"    g{sx} += ({_tuple(acc)})")
            else:
                self.bwd.append(f"    for q, d in zip(r, ({_tuple(acc)})):")
                self.bwd.append(f"        g{sx}[q] += d")

    # -- guards --

    def guards(self) -> None:
        trace = self.f.trace
        where = self.f.where
        for k, guard in enumerate(trace.guards):
            ga, ra = where[guard.a]
            a = f"v{ga}[{ra}]"
            if guard.kind == "bool":
                test = f"{a} != 0.0"
            elif guard.other[0] == "entry":
                gb, rb = where[guard.other[1]]
                test = f"{a} {guard.kind} v{gb}[{rb}]"
            else:
                test = f"{a} {guard.kind} {_literal(guard.other[1])}"
            self.fwd.append(f"if {'not ' if guard.result else ''}({test}): return {k}")

    # -- backward --

    def wants(self, s: int) -> bool:
        return s != CONST and (s != ARG or self.want_args)

    def touch(self, s: int) -> None:
        self.touched.add(s)
        self.fresh.discard(s)

    def backward_body(
        self,
        out_group: int,
        out_row: int,
        grad_params: list[int],
        grad_args: list[int],
        want_args: bool,
    ) -> tuple[list[str], str]:
        groups = self.f.groups
        self.want_args = want_args
        self.bwd = []
        self.touched: set[int] = {out_group}
        self.fresh = set(range(len(groups))) - {out_group}
        for g in range(len(groups) - 1, 2, -1):
            if groups[g].grad:
                self.touch(g)
                if g in self.grids:
                    self.grid_backward(g)
                elif g in self.sums:
                    self.sum_backward(g)
                else:
                    self.backward_group(g, groups[g])
        inits = [f"g{s} = [0.0] * {self.size(s)}" for s in sorted(self.touched | {PARAM, ARG})]
        body = [*inits, f"g{out_group}[{out_row}] += seed", *self.bwd]
        result = f"take(g{PARAM}, {self.const(tuple(grad_params), 'GP')})"
        if want_args:
            result += f" + take(g{ARG}, {self.const(tuple(grad_args), 'GA')})"
        return body, result

    def backward_group(self, g: int, group: Group) -> None:
        cols = self.inputs[g]
        names = [expr if kind == "scalar" else f"c{k}" for k, (kind, expr) in enumerate(cols)]
        locals_ = self.local_derivatives(group.op, names)
        loop = ["gg", "o"] + [f"c{k}" for k, (kind, _) in enumerate(cols) if kind == "list"]
        iters = [f"g{g}", f"v{g}"] + [e for kind, e in cols if kind == "list"]
        record = any(local and local.startswith("l[") for local in locals_)
        # The shared inputs the contributions read (a record's local reads them all).
        used = set(names) if record else {w for local in locals_ if local for w in _words(local)}
        scalars = [self.scalars[n] for n in names if n in self.scalars and n in used]
        adds = []
        for k, (s, idx) in enumerate(zip(group.sources, group.index)):
            if not self.wants(s):
                continue
            contribution = "gg" if locals_[k] == "" else f"{locals_[k]} * gg"
            first = idx[0]
            if s in self.fresh and not record and idx == list(range(self.size(s))):
                # The first and whole gradient of its input: one comprehension.
                self.touch(s)
                self.bwd += scalars
                scalars = []
                self.bwd.append(
                    f"g{s} = [{contribution} for {', '.join(loop)} in zip({', '.join(iters)})]"
                )
                continue
            self.touch(s)
            if idx == list(range(first, first + len(idx))):
                loop.append(f"i{k}")
                iters.append(f"range({first}, {first + len(idx)})")
            elif all(i == first for i in idx):
                adds.append(f"g{s}[{first}] += {contribution}")
                continue
            else:
                loop.append(f"i{k}")
                iters.append(self.const(tuple(idx), "IX"))
            adds.append(f"g{s}[i{k}] += {contribution}")
        if not adds:
            return
        self.bwd += scalars
        if record:
            fn = f"L_{_ident(group.op)}"
            self.ns[fn] = _core.op_local(group.op)
            adds.insert(0, f"l = {fn}(o, {', '.join(names)})")
        self.bwd.append(f"for {', '.join(loop)} in zip({', '.join(iters)}):")
        self.bwd += [f"    {a}" for a in adds]

    def local_derivatives(self, op: str, names: list[str]) -> list[str]:
        """Per input: its local derivative over ``o`` and the input names ("" is exactly 1)."""
        if op in _LOCAL:
            return [t.format("o", *names) if t else "" for t in _LOCAL[op]]
        if op == "sum":
            return [""] * len(names)
        if op == "dot":
            n = len(names) // 2
            return [*names[n : 2 * n], *names[:n]] + ([""] if len(names) % 2 else [])
        return [f"l[{k}]" for k in range(len(names))]
