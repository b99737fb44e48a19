"""The numpy tier: folded groups become a handful of array operations.

Each group of alike nodes (see :mod:`.fold`) is one vectorised operation
over its members; each input is a gather from the group it reads (a view
when the rows line up, fancy indexing otherwise). A group of ``dot`` nodes
whose members form a grid, every sample × every neuron, becomes one matrix
product ``X @ W.T + b``: the neurons of a layer fused for the whole batch.
Backward walks the groups in reverse and scatters each contribution back
with ``np.bincount``. The generated source is kept on the program
(``forward_source``/``backward_source``) for reading.

Every op has a kernel (:mod:`.kernels`; a user op is called per element).
An input outside an op's domain (log of 0, division by 0, ...) raises
:class:`.kernels.Edge` and any other surprise makes numpy raise
``FloatingPointError``; the call then runs eagerly, which raises exactly
what eager code raises.

Example:
    >>> from autograd_lite import Value
    >>> from autograd_lite.compile.trace import record
    >>> w = Value(2.0)
    >>> f = lambda xs: sum(((w * x).relu() for x in xs), Value(0.0))
    >>> t = record(f, ([1.0, -1.0, 3.0],), {})
    >>> program = build(t, force=True)
    >>> print(program.forward_source.splitlines()[3].strip())
    v3 = v1[0:1] * v0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import _core
from .fold import ARG, CONST, PARAM, Folded, Group, fold
from .kernels import DOMAIN, FORWARD, LOCAL, helpers, per_element
from .trace import Trace

#: Fewest nodes per group for the numpy tier to pay off over straight-line Python.
MIN_FOLD = 8

#: Ops with a hand-written batched form; every other op uses a kernel from :mod:`.kernels`
#: or, without one (a user op), its record's own functions element by element.
STRUCTURAL = frozenset({"sum", "dot"})


@dataclass
class NumpyProgram:
    """The generated forward and backward for a folded trace."""

    forward: Any
    backward: Any  # gradients of the parameters, then of the float arguments
    backward_params: Any  # gradients of the parameters only
    forward_source: str
    backward_source: str
    grad_params: list[int]
    grad_args: list[int]
    groups: int


def build(trace: Trace, force: bool = False) -> NumpyProgram | None:
    """The numpy program for ``trace``, or None when it does not fold (or numpy is missing).

    Args:
        trace: the recorded trace.
        force: use numpy even when groups are small (for testing and comparison).
    """
    try:
        import numpy as np
    except ImportError:
        return None
    folded = fold(trace)
    nodes = sum(1 for e in trace.entries if e.kind == "node")
    node_groups = len(folded.groups) - 3
    if not force and (node_groups == 0 or nodes < MIN_FOLD * node_groups):
        return None
    program = _Generator(folded, np).program()
    return program if _agrees(program, trace, np) else None


def _agrees(program: NumpyProgram, trace: Trace, np: Any) -> bool:
    """Replay the trace's own inputs: the output must match what was traced."""
    floats = [0.0] * trace.n_floats
    for e in trace.entries:
        if e.kind == "arg":
            floats[e.payload] = e.data
    params = [e.data for e in trace.entries if e.kind == "param"]
    try:
        with np.errstate(divide="raise", invalid="raise", over="ignore", under="ignore"):
            result = program.forward(floats, params)
    except (ArithmeticError, ValueError):
        return False
    if type(result) is int:
        return False
    want = trace.entries[trace.output].data
    got = float(result[0])
    return got == want or abs(got - want) <= 1e-12 * max(abs(want), abs(got))


class _Generator:
    """Writes the forward and backward source for one folded trace."""

    def __init__(self, folded: Folded, np: Any) -> None:
        self.f = folded
        self.np = np
        self.ns: dict[str, Any] = helpers(np)
        self.counter = 0
        self.fwd: list[str] = []
        self.bwd: list[str] = []
        self.touched: set[int] = set()  # gradient arrays that start as zeros
        self.assigned: set[int] = set()  # gradient arrays written so far
        self.want_args = True
        # What the forward pass of a group left for its backward pass:
        self.inputs_of: dict[int, list[str]] = {}  # gathered input expressions
        self.sum_info: dict[int, Any] = {}  # a one-source sum: (source, where, rows)
        self.dot_info: dict[int, Any] = {}  # a neuron grid: sources, matrices, permutation

    # -- naming constants --

    def const(self, value: Any, stem: str = "I") -> str:
        self.counter += 1
        name = f"{stem}{self.counter}"
        self.ns[name] = value
        return name

    def size(self, g: int) -> int:
        return self.f.groups[g].size

    # -- gathers and scatters --

    def gather(self, s: int, idx: list[int]) -> str:
        """An expression for source group ``s`` at rows ``idx`` (shape (len(idx),) or (1,))."""
        n = self.size(s)
        first = idx[0]
        if all(i == first for i in idx):
            return f"v{s}" if n == 1 else f"v{s}[{first}:{first + 1}]"
        if idx == list(range(first, first + len(idx))):
            return f"v{s}" if first == 0 and len(idx) == n else f"v{s}[{first}:{first + len(idx)}]"
        return f"v{s}[{self.const(self.np.array(idx, dtype=self.np.intp))}]"

    def add_to(self, s: int, target: str, expr: str, whole: bool) -> None:
        """``target += expr``; the first write to a whole gradient array assigns instead."""
        if whole and s not in self.assigned:
            self.assigned.add(s)
            fresh = expr if not expr.startswith("g") or not expr[1:].isdigit() else f"{expr}.copy()"
            self.bwd.append(f"g{s} = {fresh}")
            return
        if s not in self.assigned:
            self.assigned.add(s)
            self.touched.add(s)  # needs zeros first
        self.bwd.append(f"{target} += {expr}")

    def scatter(self, s: int, idx: list[int], expr: str) -> None:
        """Add ``expr`` (one value per member) into gradient rows ``idx`` of group ``s``."""
        if s == CONST or (s == ARG and not self.want_args):
            return
        n = self.size(s)
        first = idx[0]
        if all(i == first for i in idx) and not (n == len(idx) == 1):
            target = f"g{s}" if n == 1 else f"g{s}[{first}:{first + 1}]"
            total = expr if len(idx) == 1 else f"({expr}).sum()"
            self.add_to(s, target, total, False)
        elif idx == list(range(first, first + len(idx))):
            whole = first == 0 and len(idx) == n
            target = f"g{s}" if whole else f"g{s}[{first}:{first + len(idx)}]"
            self.add_to(s, target, expr, whole)
        else:
            name = self.const(self.np.array(idx, dtype=self.np.intp))
            self.add_to(s, f"g{s}", f"bincount({name}, {expr}, {n})", True)

    def matrix(self, s: int, rows: Any) -> tuple[str, Any]:
        """``(expr, index)`` for source ``s`` at a 2-D index matrix ``rows``."""
        np = self.np
        n = self.size(s)
        r, c = rows.shape
        first = int(rows[0, 0]) if rows.size else 0
        if rows.size and np.array_equal(rows, np.arange(first, first + r * c).reshape(r, c)):
            base = f"v{s}" if first == 0 and r * c == n else f"v{s}[{first}:{first + r * c}]"
            return f"{base}.reshape({r}, {c})", ("range", first)
        name = self.const(rows)
        return f"v{s}[{name}]", ("index", name)

    def scatter_matrix(self, s: int, where: tuple[str, Any], rows: Any, expr: str) -> None:
        if s == CONST or (s == ARG and not self.want_args):
            return
        n = self.size(s)
        kind, info = where
        if kind == "range":
            first, count = info, rows.size
            whole = first == 0 and count == n
            target = f"g{s}" if whole else f"g{s}[{first}:{first + count}]"
            self.add_to(s, target, f"({expr}).ravel()", whole)
        else:
            self.add_to(s, f"g{s}", f"bincount({info}.ravel(), ({expr}).ravel(), {n})", True)

    # -- groups --

    def program(self) -> NumpyProgram:
        f = self.f
        trace = f.trace
        groups = f.groups
        self.fwd += ["v0 = np.array(A, dtype=float)", "v1 = np.array(P, dtype=float)"]
        consts = [trace.entries[i].payload for i in groups[CONST].members]
        self.ns["v2"] = self.np.array(consts, dtype=float)
        for g in range(3, len(groups)):
            self.group(g, groups[g])
        self.guards()
        out_group, out_row = f.where[trace.output]
        self.fwd.append(f"out = v{out_group}[{out_row}]")
        params = groups[PARAM].members
        reached = f.reached
        grad_params = [k for k, i in enumerate(params) if reached[i]]
        grad_args = [trace.entries[i].payload for i in groups[ARG].members if reached[i]]
        # Two backward functions: with the arguments' gradients (some argument
        # was a Value) and without (the usual case, which skips that work).
        bodies = {}
        for want_args in (True, False):
            bodies[want_args] = self.backward_body(
                out_group, out_row, grad_params, grad_args, want_args
            )
        names = sorted(self.saved(bodies[True][0]) | self.saved(bodies[False][0]))
        fsrc = "def forward(A, P):\n" + "".join(f"    {s}\n" for s in self.fwd)
        fsrc += f"    return (out, ({', '.join(names)}{',' if names else ''}))\n"
        bsrc = ""
        for want_args, fname in ((True, "backward"), (False, "backward_params")):
            body, result = bodies[want_args]
            bsrc += f"def {fname}(saved, seed):\n"
            bsrc += f"    ({', '.join(names)}{',' if names else ''}) = saved\n" if names else ""
            bsrc += "".join(f"    {s}\n" for s in body)
            bsrc += f"    return {result}\n\n"
        exec(compile(fsrc, "<autograd_lite.compile numpy forward>", "exec"), self.ns)
        exec(compile(bsrc, "<autograd_lite.compile numpy backward>", "exec"), self.ns)
        raw_forward, raw_backward = self.ns["forward"], self.ns["backward"]
        raw_backward_params = self.ns["backward_params"]
        errstate = self.np.errstate

        # Where eager raises (log of 0, division by 0) numpy would warn and go on:
        # make it raise, and the call runs eagerly instead.
        def forward(A: Any, P: Any) -> Any:
            with errstate(divide="raise", invalid="raise", over="ignore", under="ignore"):
                return raw_forward(A, P)

        def backward(saved: Any, seed: float) -> Any:
            with errstate(divide="raise", invalid="raise", over="ignore", under="ignore"):
                return raw_backward(saved, seed)

        def backward_params(saved: Any, seed: float) -> Any:
            with errstate(divide="raise", invalid="raise", over="ignore", under="ignore"):
                return raw_backward_params(saved, seed)

        return NumpyProgram(
            forward, backward, backward_params, fsrc, bsrc, grad_params, grad_args, len(groups) - 3
        )

    def backward_body(
        self,
        out_group: int,
        out_row: int,
        grad_params: list[int],
        grad_args: list[int],
        want_args: bool,
    ) -> tuple[list[str], str]:
        """The backward function's lines (groups in reverse) and its return expression."""
        groups = self.f.groups
        self.want_args = want_args
        self.bwd = []
        self.touched = {out_group}
        self.assigned = {out_group}
        for g in range(len(groups) - 1, 2, -1):
            if groups[g].grad:
                if g not in self.assigned:
                    # Reached only through zero local derivatives (floor): its
                    # gradient is zeros, passed on as eager passes them (0 · inf is NaN).
                    self.assigned.add(g)
                    self.touched.add(g)
                self.backward_group(g, groups[g])
        wants = ((PARAM, grad_params), (ARG, grad_args if want_args else []))
        for leaf, wanted in wants:
            if wanted and leaf not in self.assigned:
                self.touched.add(leaf)
        inits = [f"g{g} = np.zeros({self.size(g)})" for g in sorted(self.touched)]
        body = [*inits, f"g{out_group}[{out_row}] += seed", *self.bwd]
        result = []
        for leaf, wanted in wants:
            if not wanted:
                result.append("[]")
            elif wanted == list(range(self.size(leaf))):
                result.append(f"g{leaf}.tolist()")
            else:
                index = self.const(self.np.array(wanted, dtype=self.np.intp))
                result.append(f"g{leaf}[{index}].tolist()")
        return body, " + ".join(result)

    def saved(self, body: list[str]) -> set[str]:
        import re

        names = r"([va]\d+(?:_\d+)?|[XWZL]\d+)"
        found = set(re.findall(rf"\b{names}\b", "\n".join(body)))
        defined = set(re.findall(rf"^{names} =", "\n".join(self.fwd), re.M))
        return found & defined

    def group(self, g: int, group: Group) -> None:
        if group.op == "dot":
            self.dot(g, group)
        elif group.op == "sum":
            self.sum(g, group)
        else:
            ins = []
            for k, (s, idx) in enumerate(zip(group.sources, group.index)):
                expr = self.gather(s, idx)
                if "[" in expr and ":" not in expr:
                    self.fwd.append(f"a{g}_{k} = {expr}")
                    expr = f"a{g}_{k}"
                ins.append(expr)
            self.inputs_of[g] = ins
            domain = DOMAIN.get(group.op)
            if domain is not None:
                # Outside the domain, the eager engine raises the op's own error.
                bad = domain.format(*ins)
                why = f"an input outside the domain of {group.op}"
                self.fwd.append(f"if ({bad}).any(): raise Edge_({why!r})")
            template = FORWARD.get(group.op)
            if template is None:
                # No vectorised kernel (a user op): the record's own functions per element.
                kernel = per_element(
                    _core.op_forward(group.op), _core.op_local(group.op), len(ins), self.np
                )
                self.fwd.append(f"R{g} = {self.const(kernel, 'U')}({', '.join(ins)})")
                self.fwd.append(f"L{g} = R{g}[1]")
                expr = f"R{g}[0]"
            else:
                expr = template.format(*ins)
            if group.size > 1 and all(
                self._broadcast(s, idx) for s, idx in zip(group.sources, group.index)
            ):
                expr = f"np.repeat({expr}, {group.size})"
            self.fwd.append(f"v{g} = {expr}")

    def _broadcast(self, s: int, idx: list[int]) -> bool:
        return all(i == idx[0] for i in idx)

    def backward_group(self, g: int, group: Group) -> None:
        if group.op == "dot":
            return self.dot_backward(g, group)
        if group.op == "sum":
            return self.sum_backward(g, group)
        ins = self.inputs_of[g]
        for k, (s, idx) in enumerate(zip(group.sources, group.index)):
            if s == CONST:
                continue
            if group.op in LOCAL:
                local = LOCAL[group.op][k].format(*ins, o=f"v{g}")
            else:
                local = f"L{g}[:, {k}]"
            if local == "0":
                continue  # a zero local derivative contributes exactly nothing
            expr = f"g{g}" if local == "1" else f"-g{g}" if local == "-1" else f"{local} * g{g}"
            self.scatter(s, idx, expr)

    # -- sum --

    def sum(self, g: int, group: Group) -> None:
        np = self.np
        sources = set(group.sources)
        if len(sources) == 1 and group.index:
            s = group.sources[0]
            rows = np.array(group.index, dtype=np.intp).T  # (members, positions)
            expr, where = self.matrix(s, rows)
            # Left to right, as the engine adds (cumsum is sequential, sum is pairwise);
            # + 0.0 turns a sum of -0.0s into 0.0, as 0.0 + ... does.
            self.fwd.append(f"v{g} = np.cumsum({expr}, axis=1)[:, -1] + 0.0")
            self.sum_info[g] = (s, where, rows)
            return
        terms = [self.gather(s, idx) for s, idx in zip(group.sources, group.index)]
        self.fwd.append(
            f"v{g} = " + (" + ".join(["0.0", *terms]) if terms else f"np.zeros({group.size})")
        )
        if group.size > 1 and all(
            self._broadcast(s, idx) for s, idx in zip(group.sources, group.index)
        ):
            self.fwd.append(f"v{g} = np.repeat(v{g}, {group.size})")

    def sum_backward(self, g: int, group: Group) -> None:
        if g in self.sum_info:
            s, where, rows = self.sum_info[g]
            n = rows.shape[1]
            spread = (
                f"np.repeat(g{g}, {n})"
                if group.size == 1
                else f"np.repeat(g{g}[:, None], {n}, axis=1)"
            )
            self.scatter_matrix(s, where, rows, spread)
            return
        for s, idx in zip(group.sources, group.index):
            self.scatter(s, idx, f"g{g}")

    # -- dot --

    def dot(self, g: int, group: Group) -> None:
        np = self.np
        n = len(group.sources) // 2
        has_bias = len(group.sources) % 2 == 1
        ws, xs = group.sources[:n], group.sources[n : 2 * n]
        if n == 0 or len(set(ws)) != 1 or len(set(xs)) != 1:
            return self._dot_positions(g, group)
        sw, sx = ws[0], xs[0]
        W = np.array(group.index[:n], dtype=np.intp).T  # (members, n)
        X = np.array(group.index[n : 2 * n], dtype=np.intp).T
        if has_bias:
            sb = group.sources[2 * n]
            B = np.array(group.index[2 * n], dtype=np.intp)
            wkey = np.concatenate([W, B[:, None]], axis=1)
        else:
            wkey = W
        wu, wrow = np.unique(wkey, axis=0, return_inverse=True)
        xu, xrow = np.unique(X, axis=0, return_inverse=True)
        wrow, xrow = wrow.reshape(-1), xrow.reshape(-1)
        rows, cols = len(xu), len(wu)
        flat = xrow * cols + wrow
        if rows * cols != group.size or len(np.unique(flat)) != group.size:
            return self._dot_positions(g, group)
        # Keep the neurons (columns) and samples (rows) in first-seen order.
        worder = _first_seen(wrow, np)
        xorder = _first_seen(xrow, np)
        wu, xu = wu[worder], xu[xorder]
        wrank = np.empty(cols, dtype=np.intp)
        wrank[worder] = np.arange(cols)
        xrank = np.empty(rows, dtype=np.intp)
        xrank[xorder] = np.arange(rows)
        flat = xrank[xrow] * cols + wrank[wrow]
        xexpr, xwhere = self.matrix(sx, xu)
        wexpr, wwhere = self.matrix(sw, np.ascontiguousarray(wu[:, :n]))
        self.fwd.append(f"X{g} = {xexpr}")
        self.fwd.append(f"W{g} = {wexpr}")
        z = f"X{g} @ W{g}.T"
        if has_bias:
            bidx = wu[:, n].tolist()
            self.fwd.append(f"Z{g} = {z} + {self.gather(sb, bidx)}")
        else:
            self.fwd.append(f"Z{g} = {z}")
        identity = np.array_equal(flat, np.arange(group.size))
        perm = None if identity else self.const(flat)
        self.fwd.append(f"v{g} = Z{g}.ravel()" + ("" if identity else f"[{perm}]"))
        self.dot_info[g] = (
            sw,
            sx,
            xu,
            wu,
            xwhere,
            wwhere,
            perm,
            rows,
            cols,
            has_bias,
            n,
        )

    def dot_backward(self, g: int, group: Group) -> None:
        if g not in self.dot_info:
            return self._dot_positions_backward(g, group)
        sw, sx, xu, wu, xwhere, wwhere, perm, rows, cols, has_bias, n = self.dot_info[g]
        np = self.np
        if perm is None:
            self.bwd.append(f"G{g} = g{g}.reshape({rows}, {cols})")
        else:
            self.bwd.append(f"G{g} = np.zeros({rows * cols})")
            self.bwd.append(f"G{g}[{perm}] = g{g}")
            self.bwd.append(f"G{g} = G{g}.reshape({rows}, {cols})")
        self.scatter_matrix(sx, xwhere, xu, f"G{g} @ W{g}")
        self.scatter_matrix(sw, wwhere, np.ascontiguousarray(wu[:, :n]), f"G{g}.T @ X{g}")
        if has_bias:
            self.scatter(group.sources[2 * n], wu[:, n].tolist(), f"G{g}.sum(axis=0)")

    def _dot_positions(self, g: int, group: Group) -> None:
        n = len(group.sources) // 2
        ins = []
        for k, (s, idx) in enumerate(zip(group.sources, group.index)):
            self.fwd.append(f"a{g}_{k} = {self.gather(s, idx)}")
            ins.append(f"a{g}_{k}")
        terms = [f"{ins[k]} * {ins[n + k]}" for k in range(n)]
        if len(ins) % 2:
            terms.append(ins[2 * n])
        self.fwd.append(f"v{g} = " + " + ".join(["0.0", *terms]) + f" + np.zeros({group.size})")
        self.inputs_of[g] = ins

    def _dot_positions_backward(self, g: int, group: Group) -> None:
        ins = self.inputs_of[g]
        n = len(group.sources) // 2
        for k in range(n):
            self.scatter(group.sources[k], group.index[k], f"{ins[n + k]} * g{g}")
            self.scatter(group.sources[n + k], group.index[n + k], f"{ins[k]} * g{g}")
        if len(ins) % 2:
            self.scatter(group.sources[2 * n], group.index[2 * n], f"g{g}")

    # -- guards --

    def guards(self) -> None:
        np = self.np
        trace = self.f.trace
        batches: dict[Any, list[int]] = {}
        for k, guard in enumerate(trace.guards):
            ga = self.f.where[guard.a][0]
            other = (
                ("entry", self.f.where[guard.other[1]][0])
                if guard.other[0] == "entry"
                else ("number",)
            )
            batches.setdefault((guard.kind, ga, other), []).append(k)
        for (kind, ga, other), ks in batches.items():
            gs = [trace.guards[k] for k in ks]
            a = self.gather(ga, [self.f.where[x.a][1] for x in gs])
            if kind == "bool":
                test = f"({a} != 0.0)"
            else:
                if other[0] == "entry":
                    b = self.gather(other[1], [self.f.where[x.other[1]][1] for x in gs])
                else:
                    b = self.const(np.array([x.other[1] for x in gs], dtype=float), "N")
                test = f"({a} {kind} {b})"
            want = self.const(np.array([x.result for x in gs], dtype=bool), "E")
            which = self.const(np.array(ks, dtype=np.intp), "K")
            self.fwd.append(f"ok = {test} == {want}")
            self.fwd.append(f"if not ok.all(): return int({which}[np.argmin(ok)])")


def _first_seen(inverse: Any, np: Any) -> Any:
    """Unique labels of ``inverse`` in the order they first appear."""
    _, first = np.unique(inverse, return_index=True)
    return np.argsort(first, kind="stable")
