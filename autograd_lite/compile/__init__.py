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

from .api import Compiled, compile

__all__ = ["Compiled", "compile"]
