"""The core: ``Value``, the op records, the backward pass, graph walks, transforms.

Nothing in here imports from the rest of the package: the inspection tools,
``nn`` and the command line are built on these public names.
"""

from .functional import grad, hessian, value_and_grad
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .graph import backward_order, topological_order
from .steps import Step, backward_steps
from .value import HookHandle, Value, dot, enable_grad, gradients, is_grad_enabled, no_grad, sum

__all__ = [
    "GradcheckError",
    "HookHandle",
    "Step",
    "Value",
    "backward_order",
    "backward_steps",
    "dot",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "gradients",
    "hessian",
    "is_grad_enabled",
    "no_grad",
    "sum",
    "topological_order",
    "value_and_grad",
]
