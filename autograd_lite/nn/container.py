"""Plumbing between layers: ``Sequential`` chains modules, ``Flatten`` makes a vector.

Example:
    >>> from autograd_lite import nn
    >>> model = nn.Sequential(nn.Conv2d(1, 2, 3, seed=0), nn.Flatten(), nn.Layer(8, 1, seed=0))
    >>> model([[[0.1 * (i + j) for j in range(4)] for i in range(4)]]).op
    'relu'
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .modules import Member, Module, Shape, _config
from .shapes import shape_of


class Flatten(Module):
    """Nested lists ``x[c][i][j]`` (any depth) -> one flat list, in row-major order.

    It flattens one whole example, which is what ``torch.nn.Flatten()``
    does to each example of a batch.

    Example:
        >>> Flatten()([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])
        [1, 2, 3, 4, 5, 6, 7, 8]
    """

    def __call__(self, x: Any) -> list[Any]:
        """The entries of ``x`` as one list (rectangular nesting required)."""
        flat, shape = shape_of(x, repr(self), "(d1, d2, ...)", limit=32)
        if not shape:
            return [flat]
        for _ in shape[1:]:
            flat = [v for part in flat for v in part]
        return flat

    @classmethod
    def state_shapes(cls, config: Mapping[str, Any]) -> Iterator[tuple[str, Shape]]:
        """Nothing: flattening has no parameters (and a config with keys is refused).

        Example:
            >>> list(Flatten.state_shapes({}))
            []
        """
        _config(config, "Flatten", (), {})
        yield from ()

    def __repr__(self) -> str:
        return "Flatten()"


def _located(exc: Exception, i: int, module: Module) -> Exception | None:
    """``exc`` again, its message prefixed with ``Sequential[i] module:``; None if it can't be.

    A message that already starts with the module's repr (as Layer's and
    Conv2d's do) is not given it twice; a nested Sequential adds its index:
    ``Sequential[0][2] Layer(...): ...``.
    """
    text, shown = str(exc), repr(module)
    if isinstance(module, Sequential) and text.startswith("Sequential["):
        message = f"Sequential[{i}]{text[len('Sequential') :]}"
    else:
        if text.startswith(shown):
            text = text[len(shown) :].lstrip()
        message = f"Sequential[{i}] {shown}: {text}"
    try:
        located = type(exc)(message)
        located.__dict__.update(exc.__dict__)  # attributes a subclass keeps (e.g. the node)
    except Exception:  # a type whose constructor wants more than a message
        return None
    return located


class Sequential(Module):
    """Modules applied in turn: ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    Parameter names (and labels, as ``explain`` shows them) are prefixed
    with the position, as in PyTorch (``0.weight.0.0.1.2``,
    ``2.neurons.0.w.3``); it saves and loads whole.

    Example:
        >>> from autograd_lite import nn
        >>> model = nn.Sequential(nn.Layer(2, 3, seed=0), nn.Layer(3, 1, "linear", seed=1))
        >>> len(model), model[1]
        (2, Layer(3 -> 1 linear, 4 parameters))
    """

    def __init__(self, *modules: Module) -> None:
        if not modules:
            raise ValueError("Sequential needs at least one module")
        for i, m in enumerate(modules):
            if not isinstance(m, Module) or not callable(m):
                raise TypeError(
                    f"Sequential entry {i} must be a callable nn.Module, got {type(m).__name__}"
                )
        self.layers: list[Module] = list(modules)
        self._label_parameters()

    def __call__(self, x: Any) -> Any:
        """Feed ``x`` through every module in order.

        A ValueError, TypeError or ArithmeticError raised by a module is
        raised again, of the same type, with the module's position and repr
        in front of its message (the original is the ``__cause__``).

        Example:
            >>> from autograd_lite import nn
            >>> nn.Sequential(nn.Flatten(), nn.Layer(3, 1, seed=0))([[1.0, 2.0]])
            Traceback (most recent call last):
            ...
            ValueError: Sequential[1] Layer(3 -> 1 relu, 4 parameters): expects 3 inputs, got 2
        """
        for i, m in enumerate(self.layers):
            try:
                x = m(x)  # type: ignore[operator]
            except (ValueError, TypeError, ArithmeticError) as exc:
                located = _located(exc, i, m)
                if located is None:  # an exception type that cannot be made from a message
                    raise
                raise located from exc
        return x

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, index: int) -> Module:
        return self.layers[index]

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)

    def named_members(self) -> list[tuple[str, Member]]:
        """``0``, ``1``, ... (the position of each module).

        Example:
            >>> [name for name, _ in Sequential(Flatten(), Flatten()).named_members()]
            ['0', '1']
        """
        return [(str(i), m) for i, m in enumerate(self.layers)]

    def config(self) -> dict[str, Any]:
        """Each module's class name and config, in order.

        Example:
            >>> Sequential(Flatten()).config()
            {'layers': [{'class': 'Flatten', 'config': {}}]}
        """
        return {"layers": [{"class": type(m).__name__, "config": m.config()} for m in self.layers]}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Sequential:
        """Rebuild the modules a :meth:`config` lists (fresh parameters).

        Example:
            >>> Sequential.from_config({"layers": [{"class": "Flatten", "config": {}}]})
            Sequential(Flatten())
        """
        return cls(*(kind.from_config(conf) for kind, conf in _entries(config)))

    @classmethod
    def state_shapes(cls, config: Mapping[str, Any]) -> Iterator[tuple[str, Shape]]:
        """Each module's entries, prefixed with its position; from the config alone.

        The whole list of modules is checked first, as :meth:`from_config`
        would, then each module's own ``state_shapes`` is asked in turn, so a
        file claiming a huge layer anywhere is refused without building any.

        Example:
            >>> layers = [{"class": "Flatten", "config": {}},
            ...           {"class": "Layer", "config": {"nin": 2, "nout": 1}}]
            >>> list(Sequential.state_shapes({"layers": layers}))
            [('1.neurons.0.w', (2,)), ('1.neurons.0.b', ())]
        """
        for i, (kind, conf) in enumerate(_entries(config)):
            for name, shape in kind.state_shapes(conf):
                yield f"{i}.{name}", shape

    def __repr__(self) -> str:
        return f"Sequential({', '.join(repr(m) for m in self.layers)})"


def _callable_module(kind: type) -> bool:
    """Whether instances of ``kind`` can be called (a class defining ``__call__``)."""
    return any("__call__" in vars(c) for c in kind.__mro__ if c is not object)


def _entries(config: object) -> list[tuple[type[Module], Mapping[str, Any]]]:
    """The (class, config) of every module a Sequential config lists, checked, nothing built."""
    if (
        not isinstance(config, Mapping)
        or set(config) != {"layers"}
        or not isinstance(config["layers"], list)
    ):
        raise ValueError(f"a Sequential config is {{'layers': [...]}}, got {config!r:.200}")
    if not config["layers"]:
        raise ValueError("Sequential needs at least one module")
    entries = []
    for i, entry in enumerate(config["layers"]):
        if not isinstance(entry, Mapping) or set(entry) != {"class", "config"}:
            raise ValueError(f"Sequential layer {i} needs 'class' and 'config', got {entry!r:.200}")
        name = entry["class"]
        kind = Module.registry.get(name) if isinstance(name, str) else None
        if kind is None or not isinstance(entry["config"], Mapping):
            raise ValueError(f"Sequential layer {i}: no Module class {name!r:.80}")
        if not _callable_module(kind):
            raise ValueError(
                f"Sequential layer {i}: a {kind.__name__} cannot be called, so it cannot be a step"
            )
        entries.append((kind, entry["config"]))
    return entries
