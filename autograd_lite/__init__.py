"""autograd_lite: a scalar reverse-mode automatic differentiation engine.

Example:
    >>> import autograd_lite as ag
    >>> x = ag.Value(2.0, label="x")
    >>> y = (x * x).tanh()
    >>> y.backward()
    >>> round(x.grad, 6)
    0.005364
"""

import sys
from typing import TYPE_CHECKING, Any

try:
    from .core import *  # noqa: F403  (the core's public names, listed once in core/__init__.py)
    from .core import __all__ as _core_names
except KeyboardInterrupt:
    _argv = getattr(sys, "orig_argv", [])
    if "-m" not in _argv[:-1] or _argv[_argv.index("-m") + 1] != __name__:
        raise  # an import in a program (or another `python -m` tool): its Ctrl-C is its own
    # `python -m autograd_lite` loads the package before its __main__ can catch
    # anything: a Ctrl-C here ends the command line as one there would.
    print("interrupted", file=sys.stderr)
    raise SystemExit(130) from None

if TYPE_CHECKING:
    from . import nn
    from .compile import Compiled, compile
    from .inspect.anomaly import AnomalyError, detect_anomaly
    from .inspect.architecture import draw_model
    from .inspect.draw import draw_graph
    from .inspect.explain import Explanation, GradientPath, explain
    from .inspect.player import BackwardStepper, stepper
    from .nn import data, losses, optim

# The core loads with the package; everything else loads on first use, so
# `import autograd_lite` stays cheap (numpy and graphviz load only when needed).
# name -> (module, attribute); attribute None means the module itself.
_LAZY: dict[str, tuple[str, str | None]] = {
    "nn": ("nn", None),
    "compile": ("compile", "compile"),
    "Compiled": ("compile", "Compiled"),
    "data": ("nn.data", None),
    "losses": ("nn.losses", None),
    "optim": ("nn.optim", None),
    "AnomalyError": ("inspect.anomaly", "AnomalyError"),
    "detect_anomaly": ("inspect.anomaly", "detect_anomaly"),
    "Explanation": ("inspect.explain", "Explanation"),
    "GradientPath": ("inspect.explain", "GradientPath"),
    "explain": ("inspect.explain", "explain"),
    "BackwardStepper": ("inspect.player", "BackwardStepper"),
    "stepper": ("inspect.player", "stepper"),
    "draw_graph": ("inspect.draw", "draw_graph"),
    "draw_model": ("inspect.architecture", "draw_model"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'autograd_lite' has no attribute {name!r}")
    import importlib

    module_name, attribute = _LAZY[name]
    module = importlib.import_module(f".{module_name}", __name__)
    value = module if attribute is None else getattr(module, attribute)
    if attribute is None:
        # `import autograd_lite.losses` finds the module under its short name too.
        sys.modules.setdefault(f"{__name__}.{name}", module)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__version__ = "0.1.0"

__all__ = [
    *_core_names,
    "AnomalyError",
    "BackwardStepper",
    "Compiled",
    "Explanation",
    "GradientPath",
    "__version__",
    "compile",
    "data",
    "detect_anomaly",
    "draw_graph",
    "draw_model",
    "explain",
    "losses",
    "nn",
    "optim",
    "stepper",
]
