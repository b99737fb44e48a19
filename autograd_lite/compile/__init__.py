"""Compile: trace a scalar program once, replay it as straight-line Python or numpy.

Modules, one job each: :mod:`.args` (argument structure), :mod:`.trace`
(recording the tape), :mod:`.guards` (control-flow decisions),
:mod:`.codegen_python` and :mod:`.codegen_numpy` (the replay tiers),
:mod:`.replay` (the returned Value) and :mod:`.api` (``ag.compile``).

Example:
    >>> import autograd_lite as ag
    >>> w = ag.Value(1.5)
    >>> f = ag.compile(lambda x: w * x)
    >>> f(2.0).data
    3.0
"""

import sys
import types
from typing import Any

from .api import Compiled, compile


class _CallableModule(types.ModuleType):
    """``autograd_lite.compile`` is both this package and the function.

    Importing a submodule (``autograd_lite.compile.trace``) makes Python set
    the package attribute ``autograd_lite.compile`` to this module; calling
    the module calls :func:`compile`, so ``ag.compile(fn)`` always works.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return compile(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = ["Compiled", "compile"]
