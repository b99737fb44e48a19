"""What a compiled function reaches by name, so that rebinding a name is seen.

A trace records the parameter Values the function used. If the program
later rebinds a name the function reads (``model = nn.MLP.load(path)`` in a
notebook, ``w = Value(5.0)``), the trace describes objects the function no
longer uses, and a replay would train the old model in silence. So each
trace keeps a snapshot of the function's *environment*: every global name
its code (and the code of the plain functions it calls by name, and of its
closures) reads, and every closure cell, with the object bound there. Before
each replay the bindings are compared by identity; any change means trace
again. Numbers are the exception: a number captured from the enclosing scope
is a constant of the trace, as documented (pass what changes as an argument).

Also watched: names the code reads that are not bound yet (a global defined
later, a builtin shadowed later), and the attributes the code reads of
modules it reaches by name (``cfg.w``). Not seen: an object changed in place
behind a name that still points to it (``layer.w[0] = Value(...)``
replacing a parameter inside a module's list, an attribute of a callable
object).

Example:
    >>> scale = 2.0
    >>> env = Environment(lambda x: scale * x)
    >>> env.changed() is None
    True
"""

from __future__ import annotations

import dis
import sysconfig
import types
from collections.abc import Callable
from typing import Any

#: How many functions one environment follows (helpers calling helpers).
MAX_FUNCTIONS = 64
_PACKAGE = __name__.split(".")[0]
_MISSING = object()
#: Where installed code lives (the standard library, site-packages): not the user's names.
_INSTALLED = tuple(
    {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
)


def _codes(code: types.CodeType) -> list[types.CodeType]:
    """``code`` and every code object nested in it (lambdas, comprehensions, inner defs)."""
    found, stack = [], [code]
    while stack:
        c = stack.pop()
        found.append(c)
        stack.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
    return found


def _reads(code: types.CodeType) -> tuple[set[str], set[str]]:
    """The global names ``code`` (and the code nested in it) reads, and the attribute names.

    Only instructions that load a global count as global reads: ``co_names``
    also lists attribute names (``box.w``), and a loop variable named ``w``
    elsewhere in the program is no business of a function that reads ``box.w``.
    """
    names: set[str] = set()
    attributes: set[str] = set()
    for c in _codes(code):
        for ins in dis.get_instructions(c):
            if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
                names.add(ins.argval)
            elif ins.opname in ("LOAD_ATTR", "LOAD_METHOD"):
                attributes.add(ins.argval)
    return names, attributes


def _function(obj: Any, follow: bool = True) -> types.FunctionType | None:
    """The plain Python function behind ``obj`` (a method's, a partial's), if there is one.

    With ``follow``, the library's own functions are left out: the names they
    read are not the user's to rebind.
    """
    for _ in range(8):
        if isinstance(obj, types.MethodType):
            obj = obj.__func__
        elif hasattr(obj, "func") and hasattr(obj, "args") and hasattr(obj, "keywords"):
            obj = obj.func  # functools.partial
        elif not isinstance(obj, (types.FunctionType, type)) and isinstance(
            vars(type(obj)).get("__call__"), types.FunctionType
        ):
            obj = vars(type(obj))["__call__"]  # a callable object: its class's __call__
        else:
            break
    if not isinstance(obj, types.FunctionType):
        return None
    if follow and (
        (getattr(obj, "__module__", None) or "").split(".")[0] == _PACKAGE
        or obj.__code__.co_filename.startswith(_INSTALLED)
    ):
        return None
    return obj


_NUMBERS = (int, float, complex)


def _same(now: Any, then: Any) -> bool:
    # A number captured from the scope is a constant of the trace (the documented
    # contract: pass what changes as an argument), so rebinding one is not a change.
    return now is then or (isinstance(now, _NUMBERS) and isinstance(then, _NUMBERS))


class Environment:
    """The names a function reads and what they were bound to when it was traced."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self._globals: list[tuple[dict[str, Any], str, Any]] = []
        self._cells: list[tuple[types.CellType, str, Any]] = []
        seen: set[int] = set()
        first = _function(fn, follow=False)
        todo = [first] if first is not None else []
        while todo and len(seen) < MAX_FUNCTIONS:
            f = todo.pop()
            if id(f) in seen:
                continue
            seen.add(id(f))
            reads, attributes = _reads(f.__code__)
            g = f.__globals__
            modules = []
            for name in sorted(reads):
                # A name that is missing now (a builtin, an attribute, a global not yet
                # defined) is watched too: defining it later changes what the code reads.
                obj = g.get(name, _MISSING)
                self._globals.append((g, name, obj))
                if isinstance(obj, types.ModuleType):
                    modules.append(obj)
                follow = _function(obj)
                if follow is not None:
                    todo.append(follow)
            for module in modules:  # ``cfg.w``: the attributes the code may read of a module
                d = vars(module)
                for name in sorted(attributes):
                    if name in d:
                        self._globals.append((d, name, d[name]))
                        follow = _function(d[name])
                        if follow is not None:
                            todo.append(follow)
            for name, cell in zip(f.__code__.co_freevars, f.__closure__ or ()):
                try:
                    obj = cell.cell_contents
                except ValueError:  # not bound yet
                    obj = _MISSING
                self._cells.append((cell, name, obj))
                follow = _function(obj)
                if follow is not None:
                    todo.append(follow)

    def changed(self) -> str | None:
        """The first name bound to something else than when traced, or None.

        Example:
            >>> box = [1.0]
            >>> env = Environment(lambda: box)
            >>> box = [2.0]   # a new list: the function now reads another object
            >>> env.changed()
            "'box'"
        """
        for g, name, then in self._globals:
            if not _same(g.get(name, _MISSING), then):
                return repr(name)
        for cell, name, then in self._cells:
            try:
                now = cell.cell_contents
            except ValueError:
                now = _MISSING
            if not _same(now, then):
                return repr(name)
        return None
