"""The road to PyTorch: ``model.to_torch()`` and ``nn.<Class>.from_torch(module)``.

When a model outgrows a scalar engine, ``to_torch`` gives the same network
as a float64 ``torch.nn.Module`` with the same weights, and ``from_torch``
brings one back. The correspondence, layer by layer:

========================  ====================================================
autograd_lite             PyTorch
========================  ====================================================
``Neuron``, ``Layer``     ``nn.Linear`` (+ ``nn.ReLU`` / ``nn.Tanh`` / ``nn.Sigmoid``)
``MLP``                   ``nn.Sequential`` of those
``Conv2d``                ``nn.Conv2d`` (+ activation)
``MaxPool2d``             ``nn.MaxPool2d``
``Flatten``               ``nn.Flatten()`` (flattens each example of a batch)
``RNN``                   ``nn.RNN(batch_first=True)``, ``bias_ih = b``, ``bias_hh = 0``
``Sequential``            ``nn.Sequential`` of the above, flattened
========================  ====================================================

A PyTorch module computes on batches (a leading batch dimension): for an
input ``x``, ``torch_model(x[None])[0]`` equals ``model(x)``; modules without
a ``Flatten`` also take a single example as it is. ``torch.nn.RNN`` returns
``(output, h_n)``: ``output[t]`` is ``hs[t]``. PyTorch is imported only
when these functions run; it is an optional dependency (the ``test`` extra).

Example:
    >>> from autograd_lite import nn
    >>> nn.MLP(2, [3, 1], seed=0).to_torch()  # doctest: +SKIP
    Sequential(
      (0): Linear(in_features=2, out_features=3, bias=True)
      (1): ReLU()
      (2): Linear(in_features=3, out_features=1, bias=True)
    )
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING, Any

from .container import Flatten, Sequential
from .conv import Conv2d, MaxPool2d
from .modules import MLP, Layer, Module, Neuron
from .rnn import RNN

if TYPE_CHECKING:
    import torch

#: Our activation names -> the name of the torch.nn module applying it.
_TORCH_ACTIVATIONS = {
    "relu": "ReLU",
    "tanh": "Tanh",
    "sigmoid": "Sigmoid",
    "leaky_relu": "LeakyReLU",
    "elu": "ELU",
    "gelu": "GELU",
    "softplus": "Softplus",
}
#: The settings our activations have: a torch module with other ones has no equivalent.
_TORCH_DEFAULTS: dict[str, dict[str, object]] = {
    "LeakyReLU": {"negative_slope": 0.01},
    "ELU": {"alpha": 1.0},
    "GELU": {"approximate": "none"},
    "Softplus": {"beta": 1.0, "threshold": 20.0},
}


def _torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise ImportError(
            "to_torch() and from_torch() need PyTorch, an optional dependency of "
            "autograd_lite: pip install 'autograd-lite[test]' (or pip install torch)"
        ) from exc
    return torch


# --- to PyTorch ------------------------------------------------------------


def to_torch(model: Module) -> torch.nn.Module:
    """The same network as a float64 ``torch.nn.Module`` with copies of the weights.

    Raises:
        ImportError: PyTorch is not installed.
        TypeError: a module with no PyTorch equivalent.
        ValueError: an RNN with an activation ``torch.nn.RNN`` lacks (sigmoid,
            linear), or an RNN followed by more modules in a Sequential.
    """
    torch = _torch()
    parts = _parts(model, torch)
    return parts[0] if len(parts) == 1 else torch.nn.Sequential(*parts)


def _parts(model: Module, torch: Any) -> list[Any]:
    """The torch modules that together compute ``model``, in order."""
    tnn = torch.nn
    f64 = torch.float64
    if isinstance(model, Sequential):
        parts = []
        for i, m in enumerate(model.layers):
            if isinstance(m, RNN) and i < len(model.layers) - 1:
                raise ValueError(
                    f"to_torch(): {m!r} is followed by {model.layers[i + 1]!r}; torch.nn.RNN "
                    f"returns (output, h_n), so in a torch Sequential it can only come last"
                )
            parts += _parts(m, torch)
        return parts
    if isinstance(model, MLP):
        return [p for layer in model.layers for p in _parts(layer, torch)]
    if isinstance(model, (Layer, Neuron)):
        neurons = model.neurons if isinstance(model, Layer) else [model]
        linear = tnn.Linear(model.nin, len(neurons), dtype=f64)
        _copy(linear.weight, [[w.data for w in n.w] for n in neurons], torch)
        _copy(linear.bias, [n.b.data for n in neurons], torch)
        return [linear, *_activation(model.activation, tnn)]
    if isinstance(model, Conv2d):
        conv = tnn.Conv2d(
            model.in_channels,
            model.out_channels,
            model.kernel_size,
            stride=model.stride,
            padding=model.padding,
            dtype=f64,
        )
        _copy(conv.weight, _data(model.weight), torch)
        _copy(conv.bias, _data(model.bias), torch)
        return [conv, *_activation(model.activation, tnn)]
    if isinstance(model, MaxPool2d):
        return [tnn.MaxPool2d(model.kernel_size)]
    if isinstance(model, Flatten):
        return [tnn.Flatten()]
    if isinstance(model, RNN):
        if model.activation not in ("tanh", "relu"):
            raise ValueError(
                f"to_torch(): torch.nn.RNN has only tanh and relu, not {model.activation!r} "
                f"as in {model!r}"
            )
        rnn = tnn.RNN(
            model.nin, model.nhidden, nonlinearity=model.activation, batch_first=True, dtype=f64
        )
        _copy(rnn.weight_ih_l0, _data(model.w_ih), torch)
        _copy(rnn.weight_hh_l0, _data(model.w_hh), torch)
        _copy(rnn.bias_ih_l0, _data(model.b), torch)
        _copy(rnn.bias_hh_l0, [0.0] * model.nhidden, torch)
        return [rnn]
    raise TypeError(f"to_torch(): no PyTorch equivalent is known for {type(model).__name__}")


def _data(values: Any) -> Any:
    """Nested lists of Values -> the same nesting of floats."""
    if isinstance(values, list):
        return [_data(v) for v in values]
    return values.data


def _copy(param: Any, values: Any, torch: Any) -> None:
    with torch.no_grad():
        param.copy_(torch.tensor(values, dtype=torch.float64))


def _activation(name: str, tnn: Any) -> list[Any]:
    return [getattr(tnn, _TORCH_ACTIVATIONS[name])()] if name in _TORCH_ACTIVATIONS else []


# --- from PyTorch ----------------------------------------------------------


def from_torch(cls: type[Module], module: Any) -> Module:
    """Build a ``cls`` computing what the torch ``module`` computes, with its weights.

    ``nn.Module.from_torch`` picks the class itself: a Sequential for
    several stages, else the one layer. A stage is a ``Linear`` or
    ``Conv2d`` with the activation module that follows it (ReLU, Tanh,
    Sigmoid; none means linear), a ``MaxPool2d``, a ``Flatten`` or an
    ``RNN``; nested ``nn.Sequential`` are walked through.

    Raises:
        ImportError: PyTorch is not installed.
        TypeError: ``module`` is not a torch module, or has parts with no equivalent.
        ValueError: ``module`` does not have the shape of ``cls`` (say, two
            Linear layers for a ``Layer``), or uses options with no equivalent
            here (dilation, groups, a bidirectional RNN, ...).
    """
    torch = _torch()
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"{cls.__name__}.from_torch() needs a torch.nn.Module, got {module!r}")
    stages = _stages(module, torch.nn)
    who = f"{cls.__name__}.from_torch()"
    if cls is Module:
        cls = Sequential if len(stages) > 1 else _OURS[type(stages[0][0]).__name__]
    if cls is Sequential:
        return Sequential(*(_convert(stage, who, i == len(stages) - 1)
                            for i, stage in enumerate(stages)))  # fmt: skip
    if cls is MLP:
        if not all(type(m).__name__ == "Linear" for m, _ in stages):
            raise ValueError(f"{who} needs Linear layers (each with its activation), got {module}")
        layers = [_layer(m, act) for m, act in stages]
        for a, b in pairwise(layers):
            if a.nout != b.nin:
                raise ValueError(f"{who}: a layer of {a.nout} outputs feeds one of {b.nin} inputs")
        activations = [la.activation for la in layers]
        mlp = MLP(layers[0].nin, [la.nout for la in layers], activations, seed=0)
        for ours, theirs in zip(mlp.layers, layers):
            ours.load_state_dict(theirs.state_dict())
        return mlp
    if len(stages) != 1 or type(stages[0][0]).__name__ != _THEIRS.get(cls):
        wanted = _THEIRS.get(cls, "layer")
        raise ValueError(f"{who} needs one {wanted} (and its activation), got {module}")
    if cls is Neuron:
        layer = _layer(*stages[0])
        if layer.nout != 1:
            raise ValueError(f"{who} needs a Linear with 1 output, got {stages[0][0]}")
        return layer.neurons[0]
    return _convert(stages[0], who, last=True)


#: torch.nn class name -> our class, and back (for messages).
_OURS: dict[str, type[Module]] = {
    "Linear": Layer,
    "Conv2d": Conv2d,
    "MaxPool2d": MaxPool2d,
    "Flatten": Flatten,
    "RNN": RNN,
}
_THEIRS: dict[type[Module], str] = {
    Neuron: "Linear",
    Layer: "Linear",
    Conv2d: "Conv2d",
    MaxPool2d: "MaxPool2d",
    Flatten: "Flatten",
    RNN: "RNN",
}
_OUR_ACTIVATIONS = {v: k for k, v in _TORCH_ACTIVATIONS.items()}


def _stages(module: Any, tnn: Any) -> list[tuple[Any, str]]:
    """(torch layer, activation name) pairs: each layer with the activation after it."""
    flat, stack = [], [module]
    while stack:
        m = stack.pop()
        if isinstance(m, tnn.Sequential):
            stack.extend(reversed(list(m)))
        elif not isinstance(m, tnn.Identity):
            flat.append(m)
    stages: list[tuple[Any, str]] = []
    for m in flat:
        name = type(m).__name__
        if name in _OUR_ACTIVATIONS:
            for setting, ours in _TORCH_DEFAULTS.get(name, {}).items():
                if getattr(m, setting) != ours:
                    raise TypeError(
                        f"from_torch(): {m} has {setting}={getattr(m, setting)!r}; "
                        f"autograd_lite's {_OUR_ACTIVATIONS[name]} uses {setting}={ours!r}"
                    )
            owner = type(stages[-1][0]).__name__ if stages else ""
            if owner not in ("Linear", "Conv2d") or stages[-1][1] != "linear":
                raise TypeError(
                    f"from_torch(): {m} must follow a Linear or Conv2d (it becomes their "
                    f"activation); autograd_lite has no separate activation module"
                )
            stages[-1] = (stages[-1][0], _OUR_ACTIVATIONS[name])
        elif name in _OURS and type(m) is getattr(tnn, name):
            stages.append((m, "linear"))
        else:
            raise TypeError(f"from_torch(): no autograd_lite equivalent is known for {m}")
    if not stages:
        raise ValueError(f"from_torch(): {module} has no layers")
    return stages


def _convert(stage: tuple[Any, str], who: str, last: bool) -> Module:
    """One of our modules for one stage."""
    m, activation = stage
    name = type(m).__name__
    if name == "Linear":
        return _layer(m, activation)
    if name == "Conv2d":
        return _conv(m, activation, who)
    if name == "MaxPool2d":
        return _pool(m, who)
    if name == "Flatten":
        if m.end_dim != -1 or m.start_dim not in (0, 1):
            raise ValueError(
                f"{who}: {m} flattens dimensions {m.start_dim}..{m.end_dim}; "
                f"only a whole example (start_dim 0 or 1 for a batch, end_dim -1) has an equivalent"
            )
        return Flatten()
    if not last:
        raise ValueError(f"{who}: {m} returns (output, h_n), so it can only come last")
    return _rnn(m, who)


def _layer(m: Any, activation: str) -> Layer:
    layer = Layer(m.in_features, m.out_features, activation, seed=0)
    weight = m.weight.detach().tolist()
    bias = m.bias.detach().tolist() if m.bias is not None else [0.0] * m.out_features
    for neuron, row, b in zip(layer.neurons, weight, bias):
        for w, v in zip(neuron.w, row):
            w.data = float(v)
        neuron.b.data = float(b)
    return layer


def _square(value: Any, what: str, m: Any, who: str) -> int:
    """An int, or a pair of equal ints, as one int."""
    if isinstance(value, int):
        return value
    if isinstance(value, tuple) and len(value) == 2 and value[0] == value[1]:
        return int(value[0])
    raise ValueError(f"{who}: {m} has {what} {value!r}; only square ones have an equivalent")


def _conv(m: Any, activation: str, who: str) -> Conv2d:
    k = _square(m.kernel_size, "kernel_size", m, who)
    padding = m.padding
    if padding == "valid":
        padding = 0
    elif padding == "same" and k % 2 == 1:
        padding = (k - 1) // 2
    elif isinstance(padding, str):
        raise ValueError(f"{who}: {m} has padding {padding!r} with an even kernel; no equivalent")
    for what, value, wanted in (
        ("dilation", m.dilation, (1, 1)),
        ("groups", m.groups, 1),
        ("padding_mode", m.padding_mode, "zeros"),
    ):
        if value != wanted:
            raise ValueError(f"{who}: {m} has {what} {value!r}; only {wanted!r} has an equivalent")
    conv = Conv2d(
        m.in_channels,
        m.out_channels,
        k,
        stride=_square(m.stride, "stride", m, who),
        padding=_square(padding, "padding", m, who),
        activation=activation,
        seed=0,
    )
    _assign(conv.weight, m.weight.detach().tolist())
    bias = m.bias.detach().tolist() if m.bias is not None else [0.0] * m.out_channels
    _assign(conv.bias, bias)
    return conv


def _pool(m: Any, who: str) -> MaxPool2d:
    k = _square(m.kernel_size, "kernel_size", m, who)
    stride = k if m.stride is None else _square(m.stride, "stride", m, who)
    for what, value, wanted in (
        ("stride", stride, k),
        ("padding", m.padding, 0),
        ("dilation", m.dilation, 1),
        ("ceil_mode", m.ceil_mode, False),
        ("return_indices", m.return_indices, False),
    ):
        if value not in (wanted, (wanted, wanted)):
            raise ValueError(f"{who}: {m} has {what} {value!r}; only {wanted!r} has an equivalent")
    return MaxPool2d(k)


def _rnn(m: Any, who: str) -> RNN:
    for what, value, wanted in (
        ("num_layers", m.num_layers, 1),
        ("bidirectional", m.bidirectional, False),
        ("proj_size", m.proj_size, 0),
    ):
        if value != wanted:
            raise ValueError(f"{who}: {m} has {what} {value!r}; only {wanted!r} has an equivalent")
    rnn = RNN(m.input_size, m.hidden_size, m.nonlinearity, seed=0)
    _assign(rnn.w_ih, m.weight_ih_l0.detach().tolist())
    _assign(rnn.w_hh, m.weight_hh_l0.detach().tolist())
    if m.bias:
        _assign(rnn.b, (m.bias_ih_l0 + m.bias_hh_l0).detach().tolist())
    else:
        _assign(rnn.b, [0.0] * m.hidden_size)
    return rnn


def _assign(values: Any, numbers: Any) -> None:
    """Set nested lists of Values from the same nesting of numbers."""
    for v, n in zip(values, numbers):
        if isinstance(v, list):
            _assign(v, n)
        else:
            v.data = float(n)
