"""The core: ``Value``, the op records, the backward pass, graph walks, transforms.

Nothing in here imports from the rest of the package: the inspection tools,
``nn`` and the command line are built on these public names.

Example:
    >>> from autograd_lite.core import Value, tanh
    >>> tanh(0.5) == tanh(Value(0.5)).data
    True
"""

from .value import Constant, HookHandle, Value, has_hooks  # noqa: I001  (ops installs methods)
from .ops import (
    OPS,
    Op,
    acos,
    acosh,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    ceil,
    cos,
    cosh,
    defop,
    elu,
    erf,
    exp,
    exp2,
    expm1,
    floor,
    gelu,
    hypot,
    leaky_relu,
    log,
    log1p,
    log2,
    log10,
    logaddexp,
    maximum,
    minimum,
    relu,
    sigmoid,
    sin,
    sinh,
    softplus,
    sqrt,
    tan,
    tanh,
    trunc,
)
from .ops import dot_values as dot
from .ops import sum_values as sum
from .backward import GraphChangedError, Update, chain_rule, gradients
from .functional import grad, hessian, value_and_grad
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .graph import backward_order, topological_order
from .mode import Monitor, enable_grad, is_grad_enabled, no_grad, watch
from .steps import Step, backward_steps

# numpy's spellings, so code written for numpy reads the same.
arcsin, arccos, arctan = asin, acos, atan
arcsinh, arccosh, arctanh = asinh, acosh, atanh

__all__ = [
    "OPS",
    "Constant",
    "GradcheckError",
    "GraphChangedError",
    "HookHandle",
    "Monitor",
    "Op",
    "Step",
    "Update",
    "Value",
    "acos",
    "acosh",
    "arccos",
    "arccosh",
    "arcsin",
    "arcsinh",
    "arctan",
    "arctanh",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "backward_order",
    "backward_steps",
    "ceil",
    "chain_rule",
    "cos",
    "cosh",
    "defop",
    "dot",
    "elu",
    "enable_grad",
    "erf",
    "exp",
    "exp2",
    "expm1",
    "floor",
    "gelu",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "gradients",
    "has_hooks",
    "hessian",
    "hypot",
    "is_grad_enabled",
    "leaky_relu",
    "log",
    "log1p",
    "log2",
    "log10",
    "logaddexp",
    "maximum",
    "minimum",
    "no_grad",
    "relu",
    "sigmoid",
    "sin",
    "sinh",
    "softplus",
    "sqrt",
    "sum",
    "tan",
    "tanh",
    "topological_order",
    "trunc",
    "value_and_grad",
    "watch",
]
