"""autograd_lite: a scalar reverse-mode automatic differentiation engine.

Example:
    >>> import autograd_lite as ag
    >>> x = ag.Value(2.0, label="x")
    >>> y = (x * x).tanh()
    >>> y.backward()
    >>> round(x.grad, 6)
    0.005364
"""

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
from .stepper import BackwardStepper, stepper
from .viz import draw_graph, draw_model

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
