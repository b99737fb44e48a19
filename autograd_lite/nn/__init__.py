"""Neural networks on scalar Values: modules (``nn``), ``losses``, ``optim`` and ``data``.

``autograd_lite.nn`` is this package: ``nn.Neuron``, ``nn.Layer``, ``nn.MLP``,
``nn.Conv2d``, ``nn.MaxPool2d``, ``nn.RNN``, ``nn.Flatten``, ``nn.Sequential``
and ``nn.Module``. The losses, optimizers and data sets live beside them and
are exposed at the top level as ``autograd_lite.losses``, ``.optim`` and ``.data``.

Example:
    >>> from autograd_lite import nn
    >>> len(nn.MLP(2, [4, 1], seed=0).parameters())
    17
"""

from .container import Flatten, Sequential
from .conv import Conv2d, MaxPool2d
from .modules import ACTIVATIONS, FILE_FORMAT, FILE_VERSION, MLP, Layer, Module, Neuron, init_std
from .rnn import RNN
from .serialization import ModelFileError, ModelFileTypeError

__all__ = [
    "ACTIVATIONS",
    "FILE_FORMAT",
    "FILE_VERSION",
    "MLP",
    "RNN",
    "Conv2d",
    "Flatten",
    "Layer",
    "MaxPool2d",
    "ModelFileError",
    "ModelFileTypeError",
    "Module",
    "Neuron",
    "Sequential",
    "init_std",
]
