"""autograd_lite: a scalar reverse-mode automatic differentiation engine.

Example:
    >>> import autograd_lite as ag
    >>> x = ag.Value(2.0, label="x")
    >>> y = (x * x).tanh()
    >>> y.backward()
    >>> round(x.grad, 6)
    0.005364
"""

from typing import TYPE_CHECKING, Any

from .engine import (
    HookHandle,
    Value,
    dot,
    enable_grad,
    gradients,
    is_grad_enabled,
    no_grad,
    sum,
)
from .functional import grad, hessian, value_and_grad
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .graph import backward_order, topological_order

if TYPE_CHECKING:
    from . import data, losses, nn, optim
    from .debug import (
        AnomalyError,
        Explanation,
        GradientPath,
        Step,
        backward_steps,
        detect_anomaly,
        explain,
    )
    from .player import BackwardStepper, stepper
    from .viz import draw_graph, draw_model

# The engine loads with the package; everything else loads on first use, so
# `import autograd_lite` stays cheap (numpy and graphviz load only when needed).
_LAZY = {
    "data": None,
    "losses": None,
    "nn": None,
    "optim": None,
    "AnomalyError": "debug",
    "Explanation": "debug",
    "GradientPath": "debug",
    "Step": "debug",
    "backward_steps": "debug",
    "detect_anomaly": "debug",
    "explain": "debug",
    "BackwardStepper": "player",
    "stepper": "player",
    "draw_graph": "viz",
    "draw_model": "viz",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'autograd_lite' has no attribute {name!r}")
    import importlib

    module_name = _LAZY[name]
    if module_name is None:
        globals()[name] = importlib.import_module(f".{name}", __name__)
    else:
        module = importlib.import_module(f".{module_name}", __name__)
        for public, home in _LAZY.items():  # bind the module's names at once
            if home == module_name:
                globals()[public] = getattr(module, public)
    return globals()[name]


def __dir__() -> list[str]:
    return sorted(__all__)


__version__ = "0.1.0"

__all__ = [
    "AnomalyError",
    "BackwardStepper",
    "Explanation",
    "GradcheckError",
    "GradientPath",
    "HookHandle",
    "Step",
    "Value",
    "__version__",
    "backward_order",
    "backward_steps",
    "data",
    "detect_anomaly",
    "dot",
    "draw_graph",
    "draw_model",
    "enable_grad",
    "explain",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "gradients",
    "hessian",
    "is_grad_enabled",
    "losses",
    "nn",
    "no_grad",
    "optim",
    "stepper",
    "sum",
    "topological_order",
    "value_and_grad",
]
