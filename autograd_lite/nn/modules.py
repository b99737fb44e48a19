"""Neural networks made of Values: ``Module``, ``Neuron``, ``Layer``, ``MLP``.

A neuron is the textbook one: the weighted sum z = Σ wᵢxᵢ + b, computed as a
single ``ag.dot`` node, followed by an activation (relu, tanh, sigmoid,
leaky_relu, elu, gelu, softplus or
linear). A ``Layer`` is a row of neurons that see the same inputs; an ``MLP``
is a stack of layers. Every number a model learns is a leaf ``Value`` listed by
``parameters()``, so ``loss.backward()`` fills in their gradients and an
optimizer from :mod:`autograd_lite.optim` updates them.

Models save to and load from JSON files (see :mod:`autograd_lite.nn.serialization`):
saves are atomic, and loading checks the whole file before building anything
(wrong keys, shapes or values raise and leave the model untouched).

Example:
    >>> from autograd_lite import nn
    >>> model = nn.MLP(2, [16, 16, 1], seed=0)
    >>> model
    MLP(2 -> 16 relu -> 16 relu -> 1 linear, 337 parameters)
    >>> y = model([0.5, -1.0])          # one output neuron: a single Value
    >>> y.backward()
    >>> model.named_parameters()[0][0]
    'layers.0.neurons.0.w.0'
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable, Iterator, Mapping, Sequence, Set
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any, ClassVar, Union

from ..core import Value, dot
from . import serialization
from .serialization import FILE_FORMAT, FILE_VERSION, PathLike, Shape

if TYPE_CHECKING:
    import numpy as np

    Seed = int | np.random.Generator | None
else:
    Seed = Any

#: What a module holds directly: a parameter, a vector of parameters, or a sub-module.
Member = Union[Value, "list[Value]", "Module"]

#: Activation name -> the Value method applying it (None: linear, z itself).
ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "leaky_relu": Value.leaky_relu,  # slope 0.01 below 0, as torch's default
    "elu": Value.elu,
    "gelu": Value.gelu,  # the exact (erf) form
    "softplus": Value.softplus,  # ln(1 + eˣ), x itself above 20, as torch
    "linear": None,
}
#: Activations that pass roughly half the signal through, like relu: He initialisation.
RELU_LIKE = frozenset({"relu", "leaky_relu", "elu", "gelu", "softplus"})

__all__ = ["ACTIVATIONS", "FILE_FORMAT", "FILE_VERSION", "MLP", "Layer", "Module", "Neuron"]


# --- helpers ---------------------------------------------------------------


def _check_activation(activation: object) -> str:
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}"
        )
    return activation


def _check_size(n: object, what: str) -> int:
    """A positive int (numpy ints too); bools and other numbers are refused."""
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 1:
        raise ValueError(f"{what} must be a positive int, got {n!r}")
    return int(n)


def _config(
    config: object, who: str, required: tuple[str, ...], optional: dict[str, Any]
) -> dict[str, Any]:
    """The constructor arguments in ``config``, with unknown and missing names refused."""
    if not isinstance(config, Mapping):
        raise TypeError(f"{who} config must be a dict, got {type(config).__name__}")
    unknown = sorted(repr(k) for k in config if k not in required and k not in optional)
    missing = [repr(k) for k in required if k not in config]
    if unknown or missing:
        problems = ([f"unknown keys {', '.join(unknown)}"] if unknown else []) + (
            [f"missing keys {', '.join(missing)}"] if missing else []
        )
        raise ValueError(f"{who} config has {'; '.join(problems)}")
    return {**optional, **config}


def _generator(seed: Seed) -> np.random.Generator:
    """A numpy Generator: ``seed`` itself, or a new one seeded with it (None: random)."""
    import numpy as np  # lazily: `import autograd_lite` must stay light

    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, Integral) and not isinstance(seed, bool):
        if seed < 0:
            raise ValueError(f"seed must be an int >= 0, got {seed!r}")
        return np.random.default_rng(int(seed))
    raise TypeError(f"seed must be an int, None or a numpy Generator, got {type(seed).__name__}")


def init_std(activation: str, fan_in: int, fan_out: int = 1) -> float:
    """Standard deviation of the initial weights: He for relu-like, Xavier/Glorot otherwise.

    He (relu, leaky_relu, elu, gelu, softplus): √(2 / fan_in) keeps the
    signal's variance through layers that pass about half of it on.
    Glorot (tanh, sigmoid, linear): √(2 / (fan_in + fan_out)) balances the
    forward and the backward pass.

    Example:
        >>> init_std("relu", 2), round(init_std("tanh", 2, 2), 4)
        (1.0, 0.7071)
    """
    if _check_activation(activation) in RELU_LIKE:
        return math.sqrt(2.0 / fan_in)
    return math.sqrt(2.0 / (fan_in + fan_out))


def _inputs(x: Any, nin: int, owner: object) -> Sequence[Any]:
    """The input vector as a sequence of ``nin`` numbers or Values.

    Only ordered containers are inputs: a dict, a set, a string or an iterator
    has no dependable order (or would give its keys), so it is a TypeError.
    Errors start with ``repr(owner)``, the module and its shape (computed
    only then: this runs on every call).
    """
    if isinstance(x, (list, tuple)):
        xs: Sequence[Any] = x
    elif isinstance(x, (Value, Real)):
        xs = (x,)  # a single Value is a length-1 input (the output of a 1-neuron layer)
    elif hasattr(x, "ndim") and hasattr(x, "tolist"):
        if x.ndim > 1:
            raise ValueError(
                f"{owner!r} takes one input vector, got an array of shape {x.shape}; "
                f"call it once per row"
            )
        xs = x.tolist() if x.ndim == 1 else [x.tolist()]
    elif isinstance(x, Sequence) and not isinstance(x, (str, bytes, bytearray)):
        xs = x
    else:
        kind = (
            "a dict" if isinstance(x, Mapping)
            else "a set" if isinstance(x, Set)
            else type(x).__name__
        )  # fmt: skip
        raise TypeError(
            f"{owner!r} needs a list, tuple or 1-D array of numbers or Values, got {kind}"
            f"{' ' + repr(x)[:60] if isinstance(x, (Mapping, Set, str, bytes)) else ''}"
        )
    if len(xs) != nin:
        raise ValueError(f"{owner!r} expects {nin} inputs, got {len(xs)}")
    return xs


def _number(x: object, where: str) -> float:
    """A finite float for a state-dict entry, or a clear error."""
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"load_state_dict: {where} needs a number, got {type(x).__name__} {x!r}")
    if isinstance(x, Integral) and not -(2**1023) < int(x) < 2**1023:
        raise ValueError(f"load_state_dict: {where} needs a finite number, got {x!r:.40}")
    value = float(x)
    if not math.isfinite(value):
        raise ValueError(f"load_state_dict: {where} needs a finite number, got {value!r}")
    return value


class _ClassOrInstanceMethod:
    """``Cls.load(path)`` calls one function with the class, ``obj.load(path)`` another with obj."""

    def __init__(self, on_class: Callable[..., Any], on_instance: Callable[..., Any]) -> None:
        self.on_class = on_class
        self.on_instance = on_instance
        self.__doc__ = on_class.__doc__

    def __get__(self, obj: object, owner: type) -> Callable[..., Any]:
        if obj is None:
            return types.MethodType(self.on_class, owner)
        return types.MethodType(self.on_instance, obj)


# --- Module ----------------------------------------------------------------


class Module:
    """Base class of everything with parameters.

    A subclass lists what it holds in :meth:`named_members`; parameters,
    gradients, state dicts and files all follow from that list. To be
    rebuilt by ``Cls.load(path)`` it also returns its constructor arguments
    from :meth:`config` (and, if its constructor does not take them as
    keywords, overrides :meth:`from_config`). Overriding :meth:`state_shapes`
    lets a load check a file against the config before building anything.
    Every subclass is in ``Module.registry`` under its class name, which is
    how ``nn.Module.load(path)`` finds it.

    ``load`` works two ways: ``nn.MLP.load(path)`` (on the class) builds a
    new model from a file written by ``save``; ``model.load(path)`` (on an
    instance) loads the file into that model, whose architecture must match.

    Example:
        >>> from autograd_lite import Value
        >>> class Scale(Module):
        ...     def __init__(self):
        ...         self.k = Value(2.0)
        ...     def named_members(self):
        ...         return [("k", self.k)]
        >>> Scale().state_dict()
        {'k': 2.0}
    """

    #: Module classes by name, so that ``Module.load(path)`` can rebuild any of them.
    registry: ClassVar[dict[str, type[Module]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Module.registry.setdefault(cls.__name__, cls)

    def named_members(self) -> list[tuple[str, Member]]:
        """What this module holds directly: (name, Value | list of Values | Module).

        Example:
            >>> [name for name, _ in Neuron(2, seed=0).named_members()]
            ['w', 'b']
        """
        return []

    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this architecture (JSON-able).

        Example:
            >>> Layer(3, 2, activation="tanh").config()
            {'nin': 3, 'nout': 2, 'activation': 'tanh'}
        """
        return {}

    def _tensors(self) -> list[tuple[str, Value | list[Value]]]:
        """Every parameter entry with its full dotted name, in order (iteratively)."""
        found: list[tuple[str, Value | list[Value]]] = []
        stack: list[tuple[str, Member]] = [("", self)]
        while stack:
            name, member = stack.pop()
            if isinstance(member, Module):
                prefix = f"{name}." if name else ""
                stack.extend((prefix + n, m) for n, m in reversed(member.named_members()))
            elif isinstance(member, Value) or (
                isinstance(member, list) and all(isinstance(v, Value) for v in member)
            ):
                found.append((name, member))
            else:
                raise TypeError(
                    f"{type(self).__name__} member {name!r} must be a Value, a list of Values "
                    f"or a Module, got {type(member).__name__}"
                )
        return found

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, parameter) pairs: layer by layer, neuron by neuron, weights then bias.

        Example:
            >>> [name for name, _ in Neuron(2, seed=0).named_parameters()]
            ['w.0', 'w.1', 'b']
        """
        pairs: list[tuple[str, Value]] = []
        for name, tensor in self._tensors():
            if isinstance(tensor, Value):
                pairs.append((name, tensor))
            else:
                pairs.extend((f"{name}.{i}", v) for i, v in enumerate(tensor))
        return pairs

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of :meth:`named_parameters`.

        Example:
            >>> len(MLP(2, [16, 16, 1]).parameters())
            337
        """
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0.0 (gradients accumulate otherwise).

        Example:
            >>> n = Neuron(2, seed=0); n([1.0, 2.0]).backward(); n.zero_grad()
            >>> [p.grad for p in n.parameters()]
            [0.0, 0.0, 0.0]
        """
        for p in self.parameters():
            p.grad = 0.0

    def _label_parameters(self) -> None:
        """Label each parameter with its name, so drawings and ``explain`` can say which it is."""
        for name, p in self.named_parameters():
            p.label = name

    def state_dict(self) -> dict[str, float | list[float]]:
        """The parameters' values by name: a float, or a list of floats for a weight vector.

        The result is plain JSON: ``json.dumps(model.state_dict())`` works.

        Example:
            >>> n = Neuron(2, seed=0)
            >>> sorted(n.state_dict()), len(n.state_dict()["w"])
            (['b', 'w'], 2)
        """
        return {
            name: t.data if isinstance(t, Value) else [v.data for v in t]
            for name, t in self._tensors()
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Set every parameter from ``state``; strict, and all-or-nothing.

        The keys must be exactly those of :meth:`state_dict`, each weight
        vector a list of the right length, and every value a finite number.
        Everything is checked before anything is assigned, so on an error
        the model is exactly as it was.

        Raises:
            ValueError: missing or unexpected keys, a wrong shape, a non-finite value.
            TypeError: ``state`` is not a mapping, or a value is not a number.

        Example:
            >>> a, b = Neuron(2, seed=0), Neuron(2, seed=1)
            >>> b.load_state_dict(a.state_dict())
            >>> a([1.0, 2.0]).data == b([1.0, 2.0]).data
            True
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict needs a dict, got {type(state).__name__}")
        tensors = self._tensors()
        names = {name for name, _ in tensors}
        missing = [name for name, _ in tensors if name not in state]
        unexpected = [repr(key) for key in state if key not in names]
        if missing or unexpected:
            problems = []
            if missing:
                problems.append(f"missing keys {_listing([repr(k) for k in missing])}")
            if unexpected:
                problems.append(f"unexpected keys {_listing(unexpected)}")
            raise ValueError(
                f"load_state_dict: the state does not fit {self!r}: {'; '.join(problems)}"
            )
        updates: list[tuple[Value, float]] = []
        for name, tensor in tensors:
            value = state[name]
            if hasattr(value, "tolist") and getattr(value, "ndim", 0) >= 1:
                value = value.tolist()  # a numpy vector
            if isinstance(tensor, Value):
                if isinstance(value, (list, tuple)):
                    raise ValueError(
                        f"load_state_dict: {name!r} needs a single number, "
                        f"got a list of {len(value)}"
                    )
                updates.append((tensor, _number(value, repr(name))))
                continue
            if not isinstance(value, (list, tuple)) or len(value) != len(tensor):
                got = (
                    f"a list of {len(value)}"
                    if isinstance(value, (list, tuple))
                    else f"{type(value).__name__} {value!r}"
                )
                raise ValueError(
                    f"load_state_dict: {name!r} needs a list of {len(tensor)} numbers, got {got}"
                )
            updates.extend(
                (p, _number(v, f"{name!r}[{i}]")) for i, (p, v) in enumerate(zip(tensor, value))
            )
        for p, v in updates:
            p.data = v

    # -- files: see autograd_lite.nn.serialization for the format and the guarantees --

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Module:
        """Build a new module from :meth:`config`'s output (new random parameters).

        Example:
            >>> Layer.from_config({"nin": 2, "nout": 3, "activation": "tanh"})
            Layer(2 -> 3 tanh, 9 parameters)
        """
        return cls(**config)

    @classmethod
    def state_shapes(cls, config: Mapping[str, Any]) -> Iterator[tuple[str, Shape]]:
        """``(name, shape)`` of every :meth:`state_dict` entry of ``cls(**config)``, in order.

        ``()`` is a single number, ``(n,)`` a list of n. Loading a file uses
        this to check the file's state before building anything, so a
        subclass should compute it from ``config`` alone, and reject a bad
        config with ValueError or TypeError. This default builds the module
        and measures it.

        Example:
            >>> list(Neuron.state_shapes({"nin": 2, "activation": "tanh"}))
            [('w', (2,)), ('b', ())]
        """
        for name, tensor in cls.from_config(config)._tensors():
            yield name, ((len(tensor),) if isinstance(tensor, list) else ())

    def save(self, path: PathLike) -> None:
        """Write the architecture and the parameters to a JSON file, atomically.

        A unique temporary file in the same directory is written, fsynced
        and renamed over ``path``, so a reader (or a crash) never sees half a
        file, concurrent saves leave one complete model, permissions of an
        existing file are kept and a symbolic link keeps pointing where it did.

        Raises:
            ValueError: a parameter is not finite (nothing is written).
            OSError: the file cannot be written (nothing is left behind).

        Example:
            >>> import os, tempfile
            >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
            >>> MLP(2, [4, 1], seed=0).save(path)
            >>> MLP.load(path)
            MLP(2 -> 4 relu -> 1 linear, 17 parameters)
        """
        serialization.display_name(path)  # a bad path type fails before any work
        for name, p in self.named_parameters():
            if not math.isfinite(p.data):
                raise ValueError(
                    f"save: parameter {name!r} is {p.data!r}; "
                    f"a model with non-finite parameters cannot be saved"
                )
        data = serialization.model_file_bytes(type(self).__name__, self.config(), self.state_dict())
        serialization.atomic_write(path, data)

    def _load_into(self, path: PathLike) -> None:
        """Load a file saved by :meth:`save` into this model; the architecture must match.

        The whole file is checked first; on any error (unreadable, corrupt or
        hostile file, another architecture, bad values) the model is left
        exactly as it was.

        Raises:
            ModelFileError: (a ValueError) the file's contents, naming the file.
            OSError: the file cannot be read.

        Example:
            >>> import os, tempfile
            >>> path = os.path.join(tempfile.mkdtemp(), "neuron.json")
            >>> a, b = Neuron(2, seed=0), Neuron(2, seed=1)
            >>> a.save(path); b.load(path)
            >>> a.state_dict() == b.state_dict()
            True
        """
        serialization.load_into(self, path)

    def _load_new(cls: type[Module], path: PathLike) -> Module:  # type: ignore[misc]
        """Build the model saved in a JSON file by :meth:`save`: architecture and parameters.

        ``nn.MLP.load(path)`` returns a new MLP; ``nn.Module.load(path)``
        whatever module the file holds; ``model.load(path)`` loads the file
        into an existing model of the same architecture instead. The whole
        file is checked before the model is built.

        Raises:
            ModelFileError: (a ValueError) the file's contents, naming the file.
            OSError: the file cannot be read.

        Example:
            >>> import os, tempfile
            >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
            >>> model = MLP(3, [8, 2], activation="tanh", seed=0); model.save(path)
            >>> copy = MLP.load(path)
            >>> copy.state_dict() == model.state_dict()
            True
        """
        return serialization.load_model(  # type: ignore[no-any-return]
            None if cls is Module else cls, path, Module.registry
        )

    load = _ClassOrInstanceMethod(_load_new, _load_into)

    # -- PyTorch (see nn/torch_bridge.py; torch is imported only there, when called) --

    def to_torch(self) -> Any:
        """The same network as a float64 ``torch.nn.Module`` with copies of the weights.

        Example:
            >>> MLP(2, [3, 1], seed=0).to_torch()[1]  # doctest: +SKIP
            ReLU()
        """
        from .torch_bridge import to_torch

        return to_torch(self)

    @classmethod
    def from_torch(cls, module: Any) -> Module:
        """A model of this class computing what the torch ``module`` computes, with its weights.

        Example:
            >>> Layer.from_torch(Layer(2, 3, seed=0).to_torch())  # doctest: +SKIP
            Layer(2 -> 3 relu, 9 parameters)
        """
        from .torch_bridge import from_torch

        return from_torch(cls, module)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.parameters())} parameters)"


def _listing(items: list[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    more = f", ... ({len(items) - limit} more)" if len(items) > limit else ""
    return f"[{shown}{more}]"


# --- the network -----------------------------------------------------------


class Neuron(Module):
    """z = Σ wᵢxᵢ + b as one ``ag.dot`` node, then the activation.

    Args:
        nin: number of inputs.
        activation: one of :data:`ACTIVATIONS` ("relu", "tanh", "sigmoid",
            "leaky_relu", "elu", "gelu", "softplus", "linear").
        seed: an int, a numpy Generator, or None for a random initialisation.
        fan_out: width of the layer the neuron sits in (for Glorot scaling).

    Weights start as normal draws scaled by :func:`init_std`; the bias at 0.

    Example:
        >>> n = Neuron(2, activation="linear", seed=0)
        >>> n.w[0].data, n.w[1].data = 0.5, -1.0
        >>> z = n([2.0, 3.0])
        >>> z.data, z.op
        (-2.0, 'dot')
    """

    def __init__(
        self, nin: int, activation: str = "relu", seed: Seed = None, *, fan_out: int = 1
    ) -> None:
        self.nin = _check_size(nin, "Neuron nin")
        self.activation = _check_activation(activation)
        self._activate = ACTIVATIONS[activation]
        std = init_std(activation, nin, _check_size(fan_out, "Neuron fan_out"))
        draws = _generator(seed).normal(0.0, std, size=nin).tolist()
        self.w = [Value(v) for v in draws]
        self.b = Value(0.0)
        self._label_parameters()

    def __call__(self, x: Any) -> Value:
        """The neuron's output for one input vector."""
        return self._forward(_inputs(x, self.nin, self))

    def _forward(self, xs: Sequence[Any]) -> Value:
        z = dot(self.w, xs, self.b)
        activate = self._activate
        return z if activate is None else activate(z)

    def named_members(self) -> list[tuple[str, Member]]:
        """The weight vector ``w`` and the bias ``b``.

        Example:
            >>> [name for name, _ in Neuron(3).named_members()]
            ['w', 'b']
        """
        return [("w", self.w), ("b", self.b)]

    def config(self) -> dict[str, Any]:
        """``{"nin": ..., "activation": ...}``.

        Example:
            >>> Neuron(3, "tanh").config()
            {'nin': 3, 'activation': 'tanh'}
        """
        return {"nin": self.nin, "activation": self.activation}

    @classmethod
    def state_shapes(cls, config: Mapping[str, Any]) -> Iterator[tuple[str, Shape]]:
        """``w`` of length nin, then the scalar ``b``; from the config alone.

        Example:
            >>> list(Neuron.state_shapes({"nin": 3}))
            [('w', (3,)), ('b', ())]
        """
        args = _config(config, "Neuron", ("nin",), {"activation": "relu"})
        nin = _check_size(args["nin"], "Neuron nin")
        _check_activation(args["activation"])
        yield "w", (nin,)
        yield "b", ()

    def __repr__(self) -> str:
        return f"Neuron({self.nin} inputs, {self.activation}, {self.nin + 1} parameters)"


class Layer(Module):
    """``nout`` neurons that all see the same ``nin`` inputs.

    Calling a layer gives a list of ``nout`` Values, or a single Value when
    ``nout`` is 1 (and a single Value is accepted as a 1-long input, so a
    one-neuron layer works anywhere in a stack).

    Example:
        >>> layer = Layer(2, 3, activation="tanh", seed=0)
        >>> len(layer([1.0, -1.0])), len(layer.parameters())
        (3, 9)
    """

    def __init__(self, nin: int, nout: int, activation: str = "relu", seed: Seed = None) -> None:
        self.nin = _check_size(nin, "Layer nin")
        self.nout = _check_size(nout, "Layer nout")
        self.activation = _check_activation(activation)
        rng = _generator(seed)
        self.neurons = [Neuron(nin, activation, rng, fan_out=nout) for _ in range(nout)]
        self._label_parameters()

    def __call__(self, x: Any) -> Value | list[Value]:
        """The layer's outputs for one input vector."""
        return self._forward(_inputs(x, self.nin, self))

    def _forward(self, xs: Sequence[Any]) -> Value | list[Value]:
        outs = [n._forward(xs) for n in self.neurons]
        return outs[0] if len(outs) == 1 else outs

    def named_members(self) -> list[tuple[str, Member]]:
        """``neurons.0``, ``neurons.1``, ...

        Example:
            >>> [name for name, _ in Layer(2, 2).named_members()]
            ['neurons.0', 'neurons.1']
        """
        return [(f"neurons.{i}", n) for i, n in enumerate(self.neurons)]

    def config(self) -> dict[str, Any]:
        """``{"nin": ..., "nout": ..., "activation": ...}``.

        Example:
            >>> Layer(2, 4).config()
            {'nin': 2, 'nout': 4, 'activation': 'relu'}
        """
        return {"nin": self.nin, "nout": self.nout, "activation": self.activation}

    @classmethod
    def state_shapes(cls, config: Mapping[str, Any]) -> Iterator[tuple[str, Shape]]:
        """Each neuron's ``w`` (nin numbers) and ``b``, neuron by neuron; from the config alone.

        Example:
            >>> list(Layer.state_shapes({"nin": 2, "nout": 1}))
            [('neurons.0.w', (2,)), ('neurons.0.b', ())]
        """
        args = _config(config, "Layer", ("nin", "nout"), {"activation": "relu"})
        nin = _check_size(args["nin"], "Layer nin")
        nout = _check_size(args["nout"], "Layer nout")
        _check_activation(args["activation"])
        for j in range(nout):
            yield f"neurons.{j}.w", (nin,)
            yield f"neurons.{j}.b", ()

    def __repr__(self) -> str:
        count = (self.nin + 1) * self.nout
        return f"Layer({self.nin} -> {self.nout} {self.activation}, {count} parameters)"


def _mlp_args(nin: object, nouts: object, activation: object) -> tuple[int, list[int], list[str]]:
    """MLP's checked arguments: nin, the layer sizes, one activation per layer."""
    nin = _check_size(nin, "MLP nin")
    if hasattr(nouts, "ndim") and hasattr(nouts, "tolist") and nouts.ndim == 1:
        nouts = nouts.tolist()  # a 1-D numpy array of sizes
    if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
        raise ValueError(f"MLP nouts must be a non-empty list of layer sizes, got {nouts!r:.80}")
    sizes = [_check_size(n, "each MLP layer size") for n in nouts]
    if isinstance(activation, str):
        # Checked even when no hidden layer uses it: a misspelt name is never ignored.
        activations = [_check_activation(activation)] * (len(sizes) - 1) + ["linear"]
    elif (
        isinstance(activation, Sequence)
        and not isinstance(activation, bytes)
        and len(activation) == len(sizes)
    ):
        activations = list(activation)
    else:
        raise ValueError(
            f"MLP activation must be a name or a list of {len(sizes)} names "
            f"(one per layer), got {activation!r:.80}"
        )
    return nin, sizes, [_check_activation(a) for a in activations]


class MLP(Module):
    """A multilayer perceptron: layers of sizes ``nouts`` on ``nin`` inputs.

    Args:
        nin: number of inputs.
        nouts: the width of each layer, e.g. ``[16, 16, 1]``.
        activation: one name for every hidden layer (the last layer is then
            linear), or a list with one name per layer.
        seed: an int, a numpy Generator, or None for a random initialisation.

    Example:
        >>> model = MLP(2, [4, 4, 1], activation="tanh", seed=0)
        >>> model
        MLP(2 -> 4 tanh -> 4 tanh -> 1 linear, 37 parameters)
        >>> MLP(2, [2, 1], activation=["sigmoid", "sigmoid"])
        MLP(2 -> 2 sigmoid -> 1 sigmoid, 9 parameters)
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str | Sequence[str] = "relu",
        seed: Seed = None,
    ) -> None:
        self.nin, self.nouts, self.activations = _mlp_args(nin, nouts, activation)
        rng = _generator(seed)
        sizes = [self.nin, *self.nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], self.activations[i], rng) for i in range(len(self.nouts))
        ]
        self._label_parameters()

    def __call__(self, x: Any) -> Value | list[Value]:
        """The network's output for one input vector: a Value, or a list for several outputs."""
        out: Value | list[Value] = _inputs(x, self.nin, self)  # type: ignore[assignment]
        for layer in self.layers:
            out = layer._forward((out,) if isinstance(out, Value) else out)
        return out

    def named_members(self) -> list[tuple[str, Member]]:
        """``layers.0``, ``layers.1``, ...

        Example:
            >>> [name for name, _ in MLP(2, [3, 1]).named_members()]
            ['layers.0', 'layers.1']
        """
        return [(f"layers.{i}", layer) for i, layer in enumerate(self.layers)]

    def config(self) -> dict[str, Any]:
        """``{"nin": ..., "nouts": [...], "activation": [one per layer]}``.

        Example:
            >>> MLP(2, [3, 1]).config()
            {'nin': 2, 'nouts': [3, 1], 'activation': ['relu', 'linear']}
        """
        return {"nin": self.nin, "nouts": list(self.nouts), "activation": list(self.activations)}

    @classmethod
    def state_shapes(cls, config: Mapping[str, Any]) -> Iterator[tuple[str, Shape]]:
        """Every neuron's ``w`` and ``b``, layer by layer; from the config alone.

        Example:
            >>> list(MLP.state_shapes({"nin": 2, "nouts": [1]}))
            [('layers.0.neurons.0.w', (2,)), ('layers.0.neurons.0.b', ())]
        """
        args = _config(config, "MLP", ("nin", "nouts"), {"activation": "relu"})
        nin, nouts, _ = _mlp_args(args["nin"], args["nouts"], args["activation"])
        for i, (fan_in, nout) in enumerate(zip([nin, *nouts], nouts)):
            for j in range(nout):
                yield f"layers.{i}.neurons.{j}.w", (fan_in,)
                yield f"layers.{i}.neurons.{j}.b", ()

    def __repr__(self) -> str:
        stages = " -> ".join(f"{n} {a}" for n, a in zip(self.nouts, self.activations))
        return f"MLP({self.nin} -> {stages}, {len(self.parameters())} parameters)"
