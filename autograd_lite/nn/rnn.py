"""An Elman recurrent layer on Values: ``RNN``, unrolled through time.

At every step t each hidden unit k is one neuron over the input and the
previous hidden state:

    h_t[k] = act(Σ_i w_ih[k][i]·x_t[i] + Σ_j w_hh[k][j]·h_{t-1}[j] + b[k])

computed as a single ``ag.dot`` node. Calling the layer on a sequence
unrolls it: T steps make T copies of that neuron sharing the same weights,
so backward (backpropagation through time) adds one term per time step into
each weight's gradient. ``ag.explain(loss, rnn.w_hh[k][j])`` lists them.

Example:
    >>> from autograd_lite import nn
    >>> rnn = nn.RNN(1, 3, seed=0)
    >>> hs = rnn([[0.5], [-1.0], [2.0]])
    >>> len(hs), len(hs[0]), hs[0][0].op
    (3, 3, 'tanh')
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..core import Value, dot
from .modules import (
    ACTIVATIONS,
    Member,
    Module,
    Seed,
    Shape,
    _check_activation,
    _check_size,
    _config,
    _generator,
    init_std,
)
from .shapes import as_value, nested


class RNN(Module):
    """Elman recurrent layer: ``h_t = act(W_ih x_t + W_hh h_{t-1} + b)``, tanh by default.

    Args:
        nin: size of each input vector x_t.
        nhidden: size of the hidden state h_t.
        activation: any name in :data:`ACTIVATIONS` ("tanh" by default; "relu",
            "sigmoid", "leaky_relu", "elu", "gelu", "softplus", "linear").
        seed: an int, a numpy Generator, or None for a random initialisation.

    ``w_ih[k][i]``, ``w_hh[k][j]`` and ``b[k]`` are Values, laid out as
    PyTorch's ``weight_ih_l0``, ``weight_hh_l0`` and ``bias_ih_l0`` (PyTorch
    has a second bias, ``bias_hh_l0``; only their sum matters). Weights
    start as normal draws scaled by :func:`init_std` (fan-in ``nin``
    respectively ``nhidden``, fan-out ``nhidden``), biases at 0.

    Example:
        >>> rnn = RNN(2, 4, seed=0)
        >>> rnn
        RNN(2 -> 4, tanh, 28 parameters)
        >>> hs = rnn([[1.0, 0.0], [0.0, 1.0]], h0=[0.0] * 4)
        >>> [len(h) for h in hs]
        [4, 4]
    """

    def __init__(self, nin: int, nhidden: int, activation: str = "tanh", seed: Seed = None) -> None:
        self.nin = _check_size(nin, "RNN nin")
        self.nhidden = _check_size(nhidden, "RNN nhidden")
        self.activation = _check_activation(activation)
        rng = _generator(seed)
        std_ih = init_std(activation, nin, nhidden)
        std_hh = init_std(activation, nhidden, nhidden)
        w_ih = rng.normal(0.0, std_ih, size=(nhidden, nin)).tolist()
        w_hh = rng.normal(0.0, std_hh, size=(nhidden, nhidden)).tolist()
        self.w_ih = [[Value(v) for v in row] for row in w_ih]
        self.w_hh = [[Value(v) for v in row] for row in w_hh]
        self.b = [Value(0.0) for _ in range(nhidden)]
        self._label_parameters()

    def __call__(self, xs: Any, h0: Any = None) -> list[list[Value]]:
        """The hidden state after every step: ``hs[t][k]`` for the inputs ``xs[t][i]``.

        Args:
            xs: the sequence, T input vectors of ``nin`` numbers or Values (T >= 1).
            h0: the initial hidden state, ``nhidden`` numbers or Values (default zeros).
        """
        seq, (steps, width) = nested(xs, 2, repr(self), f"(T, {self.nin}) with T >= 1")
        if steps < 1 or width != self.nin:
            raise ValueError(
                f"{self!r} expects an input of shape (T, {self.nin}) with T >= 1, "
                f"got shape {(steps, width)}"
            )
        # Numbers become constants once, not once per hidden unit's dot().
        seq = [[as_value(v) for v in x] for x in seq]
        if h0 is None:
            h: list[Any] = [as_value(0.0)] * self.nhidden
        else:
            h, shape = nested(h0, 1, f"{self!r} h0", f"({self.nhidden},)")
            if shape != (self.nhidden,):
                raise ValueError(
                    f"{self!r} expects h0 of shape ({self.nhidden},), got shape {shape}"
                )
            h = [as_value(v) for v in h]
        # Unit k's weights, input part then recurrent part, against [x_t, h_{t-1}].
        rows = [w_ih + w_hh for w_ih, w_hh in zip(self.w_ih, self.w_hh)]
        activate = ACTIVATIONS[self.activation]
        hs = []
        for x in seq:
            inputs = [*x, *h]
            zs = [dot(row, inputs, b) for row, b in zip(rows, self.b)]
            h = zs if activate is None else [activate(z) for z in zs]
            hs.append(h)
        return hs

    def named_members(self) -> list[tuple[str, Member]]:
        """``w_ih.k`` and ``w_hh.k`` (one row per hidden unit), then ``b``.

        Example:
            >>> [name for name, _ in RNN(1, 2).named_members()]
            ['w_ih.0', 'w_ih.1', 'w_hh.0', 'w_hh.1', 'b']
        """
        return [
            *((f"w_ih.{k}", row) for k, row in enumerate(self.w_ih)),
            *((f"w_hh.{k}", row) for k, row in enumerate(self.w_hh)),
            ("b", self.b),
        ]

    def config(self) -> dict[str, Any]:
        """``{"nin": ..., "nhidden": ..., "activation": ...}``.

        Example:
            >>> RNN(1, 2).config()
            {'nin': 1, 'nhidden': 2, 'activation': 'tanh'}
        """
        return {"nin": self.nin, "nhidden": self.nhidden, "activation": self.activation}

    @classmethod
    def state_shapes(cls, config: Mapping[str, Any]) -> Iterator[tuple[str, Shape]]:
        """``w_ih.k`` (nin) and ``w_hh.k`` (nhidden) per hidden unit, then ``b``; from the config.

        Example:
            >>> list(RNN.state_shapes({"nin": 3, "nhidden": 1}))
            [('w_ih.0', (3,)), ('w_hh.0', (1,)), ('b', (1,))]
        """
        args = _config(config, "RNN", ("nin", "nhidden"), {"activation": "tanh"})
        nin = _check_size(args["nin"], "RNN nin")
        nhidden = _check_size(args["nhidden"], "RNN nhidden")
        _check_activation(args["activation"])
        for k in range(nhidden):
            yield f"w_ih.{k}", (nin,)
        for k in range(nhidden):
            yield f"w_hh.{k}", (nhidden,)
        yield "b", (nhidden,)

    def __repr__(self) -> str:
        count = self.nhidden * (self.nin + self.nhidden + 1)
        return f"RNN({self.nin} -> {self.nhidden}, {self.activation}, {count} parameters)"
