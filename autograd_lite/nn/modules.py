"""Neural networks made of Values: ``Module``, ``Neuron``, ``Layer``, ``MLP``.

A neuron is the textbook one: the weighted sum z = Σ wᵢxᵢ + b, computed as a
single ``ag.dot`` node, followed by an activation (relu, tanh, sigmoid or
linear). A ``Layer`` is a row of neurons that see the same inputs; an ``MLP``
is a stack of layers. Every number a model learns is a leaf ``Value`` listed by
``parameters()``, so ``loss.backward()`` fills in their gradients and an
optimizer from :mod:`autograd_lite.optim` updates them.

Models save to and load from JSON; loading is strict (wrong keys, shapes or
values raise and leave the model untouched).

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
import os
import types
from collections.abc import Callable, Mapping, Sequence
from numbers import Real
from typing import TYPE_CHECKING, Any, ClassVar, Union

from ..core import Value, dot

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
    "linear": None,
}

FILE_FORMAT = "autograd_lite.nn"
FILE_VERSION = 1


# --- helpers ---------------------------------------------------------------


def _check_activation(activation: object) -> str:
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}"
        )
    return activation


def _check_size(n: object, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{what} must be a positive int, got {n!r}")
    return n


def _generator(seed: Seed) -> np.random.Generator:
    """A numpy Generator: ``seed`` itself, or a new one seeded with it (None: random)."""
    import numpy as np  # lazily: `import autograd_lite` must stay light

    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, int) and not isinstance(seed, bool)):
        return np.random.default_rng(seed)
    raise TypeError(f"seed must be an int, None or a numpy Generator, got {type(seed).__name__}")


def init_std(activation: str, fan_in: int, fan_out: int = 1) -> float:
    """Standard deviation of the initial weights: He for relu, Xavier/Glorot otherwise.

    He (relu): √(2 / fan_in) keeps the signal's variance through relu layers.
    Glorot (tanh, sigmoid, linear): √(2 / (fan_in + fan_out)) balances the
    forward and the backward pass.

    Example:
        >>> init_std("relu", 2), round(init_std("tanh", 2, 2), 4)
        (1.0, 0.7071)
    """
    if _check_activation(activation) == "relu":
        return math.sqrt(2.0 / fan_in)
    return math.sqrt(2.0 / (fan_in + fan_out))


def _inputs(x: Any, nin: int, who: str) -> Sequence[Any]:
    """The input vector as a sequence of ``nin`` numbers or Values."""
    if isinstance(x, (list, tuple)):
        xs: Sequence[Any] = x
    elif isinstance(x, (Value, Real)):
        xs = (x,)  # a single Value is a length-1 input (the output of a 1-neuron layer)
    elif hasattr(x, "ndim") and hasattr(x, "tolist"):
        if x.ndim > 1:
            raise ValueError(
                f"{who} takes one input vector, got an array of shape {x.shape}; "
                f"call it once per row"
            )
        xs = x.tolist() if x.ndim == 1 else [x.tolist()]
    elif isinstance(x, (str, bytes)):
        raise TypeError(f"{who} needs a sequence of numbers or Values, got {type(x).__name__}")
    else:
        try:
            xs = list(x)
        except TypeError:
            raise TypeError(
                f"{who} needs a list, tuple or 1-D array of numbers or Values, "
                f"got {type(x).__name__}"
            ) from None
    if len(xs) != nin:
        raise ValueError(f"{who} expects {nin} inputs, got {len(xs)}")
    return xs


def _number(x: object, where: str) -> float:
    """A finite float for a state-dict entry, or a clear error."""
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"load_state_dict: {where} needs a number, got {type(x).__name__} {x!r}")
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
    from :meth:`config`.

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

    # -- files --

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the architecture and the parameters to a JSON file.

        The file is written next to ``path`` and then renamed, so an existing
        file is never left half-written.

        Example:
            >>> import os, tempfile
            >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
            >>> MLP(2, [4, 1], seed=0).save(path)
            >>> MLP.load(path)
            MLP(2 -> 4 relu -> 1 linear, 17 parameters)
        """
        import json

        for name, p in self.named_parameters():
            if not math.isfinite(p.data):
                raise ValueError(
                    f"save: parameter {name!r} is {p.data!r}; "
                    f"a model with non-finite parameters cannot be saved"
                )
        payload = {
            "format": FILE_FORMAT,
            "version": FILE_VERSION,
            "class": type(self).__name__,
            "config": self.config(),
            "state": self.state_dict(),
        }
        text = json.dumps(payload, indent=1)
        tmp = f"{os.fspath(path)}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)

    def _load_into(self, path: str | os.PathLike[str]) -> None:
        """Load a file saved by :meth:`save` into this model; the architecture must match.

        On any error (unreadable or corrupt file, another architecture, bad
        values) the model is left exactly as it was.

        Example:
            >>> import os, tempfile
            >>> path = os.path.join(tempfile.mkdtemp(), "neuron.json")
            >>> a, b = Neuron(2, seed=0), Neuron(2, seed=1)
            >>> a.save(path); b.load(path)
            >>> a.state_dict() == b.state_dict()
            True
        """
        payload = _read_model_file(path)
        kind, config = payload["class"], payload["config"]
        if kind != type(self).__name__ or config != self.config():
            raise ValueError(
                f"{os.fspath(path)} holds a {kind} with config {config}, "
                f"which does not match {self!r} (config {self.config()})"
            )
        self.load_state_dict(payload["state"])

    def _load_new(cls: type[Module], path: str | os.PathLike[str]) -> Module:  # type: ignore[misc]
        """Build the model saved in a JSON file by :meth:`save`: architecture and parameters.

        ``nn.MLP.load(path)`` returns a new MLP; ``model.load(path)`` loads
        the file into an existing model of the same architecture instead.

        Example:
            >>> import os, tempfile
            >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
            >>> model = MLP(3, [8, 2], activation="tanh", seed=0); model.save(path)
            >>> copy = MLP.load(path)
            >>> copy.state_dict() == model.state_dict()
            True
        """
        payload = _read_model_file(path)
        kind = payload["class"]
        target = Module.registry.get(kind) if cls is Module else cls
        if target is None or target.__name__ != kind:
            why = "no Module class has that name" if cls is Module else f"not a {cls.__name__}"
            raise ValueError(f"{os.fspath(path)} holds a {kind}, {why}")
        try:
            model = target(**payload["config"])
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{os.fspath(path)}: cannot rebuild the {kind}: {exc}") from None
        model.load_state_dict(payload["state"])
        return model

    load = _ClassOrInstanceMethod(_load_new, _load_into)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.parameters())} parameters)"


def _listing(items: list[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    more = f", ... ({len(items) - limit} more)" if len(items) > limit else ""
    return f"[{shown}{more}]"


def _read_model_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The parsed contents of a model file, checked for the expected layout."""
    import json

    name = os.fspath(path)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{name} is not a valid model file: corrupt JSON ({exc})") from None
    if not isinstance(payload, dict) or payload.get("format") != FILE_FORMAT:
        raise ValueError(f"{name} is not a model file saved by autograd_lite (no {FILE_FORMAT!r})")
    if payload.get("version") != FILE_VERSION:
        raise ValueError(f"{name} has format version {payload.get('version')!r}; expected 1")
    for key, kind in (("class", str), ("config", dict), ("state", dict)):
        if not isinstance(payload.get(key), kind):
            raise ValueError(f"{name} is not a valid model file: {key!r} is missing or malformed")
    return payload


# --- the network -----------------------------------------------------------


class Neuron(Module):
    """z = Σ wᵢxᵢ + b as one ``ag.dot`` node, then the activation.

    Args:
        nin: number of inputs.
        activation: "relu", "tanh", "sigmoid" or "linear".
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
        return self._forward(_inputs(x, self.nin, "Neuron"))

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
        return self._forward(_inputs(x, self.nin, "Layer"))

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

    def __repr__(self) -> str:
        count = (self.nin + 1) * self.nout
        return f"Layer({self.nin} -> {self.nout} {self.activation}, {count} parameters)"


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
        self.nin = _check_size(nin, "MLP nin")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"MLP nouts must be a non-empty list of layer sizes, got {nouts!r}")
        self.nouts = [_check_size(n, "each MLP layer size") for n in nouts]
        if isinstance(activation, str):
            activations = [activation] * (len(self.nouts) - 1) + ["linear"]
        elif isinstance(activation, Sequence) and len(activation) == len(self.nouts):
            activations = list(activation)
        else:
            raise ValueError(
                f"MLP activation must be a name or a list of {len(self.nouts)} names "
                f"(one per layer), got {activation!r}"
            )
        self.activations = [_check_activation(a) for a in activations]
        rng = _generator(seed)
        sizes = [self.nin, *self.nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], self.activations[i], rng) for i in range(len(self.nouts))
        ]
        self._label_parameters()

    def __call__(self, x: Any) -> Value | list[Value]:
        """The network's output for one input vector: a Value, or a list for several outputs."""
        out: Value | list[Value] = _inputs(x, self.nin, "MLP")  # type: ignore[assignment]
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

    def __repr__(self) -> str:
        stages = " -> ".join(f"{n} {a}" for n, a in zip(self.nouts, self.activations))
        return f"MLP({self.nin} -> {stages}, {len(self.parameters())} parameters)"
