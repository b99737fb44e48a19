"""Convolution and max-pooling on images of Values: ``Conv2d`` and ``MaxPool2d``.

A convolution slides one small kernel of weights over the image. Every
output is a neuron's weighted sum over one patch (its receptive field),
computed as one ``ag.dot`` node, so the same weight appears in every output
node: backward adds one chain-rule term per position into its gradient,
which is therefore the sum over the positions the kernel visited.
``ag.explain(loss, conv.weight[o][c][i][j])`` lists those terms.

Images are ``image[c][i][j]`` (channel, row, column) and weights
``weight[o][c][i][j]``, PyTorch's layout, one example at a time.

Example:
    >>> from autograd_lite import nn
    >>> conv = nn.Conv2d(1, 2, kernel_size=3, seed=0)
    >>> out = conv([[[0.0] * 5 for _ in range(5)]])
    >>> len(out), len(out[0]), len(out[0][0]), out[0][0][0].inputs[0].op
    (2, 3, 3, 'dot')
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from numbers import Integral
from typing import Any

from ..core import Constant, Value, defop, dot
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

#: The largest padding and stride a Conv2d takes, in its constructor and in a
#: model file: far beyond any image a scalar engine can work through, and
#: small enough that no size or index computed from them overflows.
MAX_PADDING = 2**16
MAX_STRIDE = 2**16


def _shown(n: object) -> str:
    """``repr(n)``, short even for an int too long to print."""
    if isinstance(n, Integral) and int(n).bit_length() > 128:
        return f"an int of {int(n).bit_length()} bits"
    return f"{n!r:.40}"


def _check_count(n: object, what: str) -> int:
    """A non-negative int, numpy ints too (padding may be 0); bools are refused."""
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 0:
        raise ValueError(f"{what} must be an int >= 0, got {_shown(n)}")
    return int(n)


def _check_at_most(n: int, highest: int, what: str) -> int:
    """``n`` itself, if it is at most ``highest``."""
    if n > highest:
        raise ValueError(f"{what} must be at most {highest}, got {_shown(n)}")
    return n


def _check_stride(n: object, who: str) -> int:
    return _check_at_most(_check_size(n, f"{who} stride"), MAX_STRIDE, f"{who} stride")


def _check_padding(n: object, who: str) -> int:
    return _check_at_most(_check_count(n, f"{who} padding"), MAX_PADDING, f"{who} padding")


def _image(layer: Module, image: Any, channels: int, smallest: int) -> tuple[list[Any], int, int]:
    """The image as nested lists ``[c][i][j]`` and its height and width, checked."""
    expected = f"({channels}, H, W) with H, W >= {smallest}"
    x, (c, h, w) = nested(image, 3, repr(layer), expected)
    if c != channels or h < smallest or w < smallest:
        raise ValueError(f"{layer!r} expects an input of shape {expected}, got shape {(c, h, w)}")
    return x, h, w


class Conv2d(Module):
    """A 2-D convolution: ``out_channels`` kernels of ``in_channels × k × k`` weights.

    ``out[o][i][j] = act(Σ_c Σ_di Σ_dj weight[o][c][di][dj] · x[c][i·s + di][j·s + dj]
    + bias[o])`` over the zero-padded input, where s is the stride: the
    output is ``(out_channels, (H + 2p - k) // s + 1, (W + 2p - k) // s + 1)``,
    as in ``torch.nn.functional.conv2d`` followed by the activation.

    Args:
        in_channels: channels of the input image.
        out_channels: number of kernels (channels of the output).
        kernel_size: the side k of the square kernel.
        stride: the step between receptive fields, in both directions (1 to MAX_STRIDE).
        padding: zeros added on each side of the input, in both directions
            (0 to MAX_PADDING).
        activation: one of ``nn.ACTIVATIONS`` ("relu", "tanh", "sigmoid",
            "leaky_relu", "elu", "gelu", "softplus", "linear").
        seed: an int, a numpy Generator, or None for a random initialisation.

    Weights start as normal draws scaled by :func:`init_std` with fan-in
    ``in_channels·k²`` and fan-out ``out_channels·k²``; the biases at 0.

    Example:
        >>> conv = Conv2d(1, 1, kernel_size=2, activation="linear", seed=0)
        >>> for row in conv.weight[0][0]:
        ...     for w in row: w.data = 1.0
        >>> [[v.data for v in row] for row in conv([[[1, 2, 3], [4, 5, 6]]])[0]]
        [[12.0, 16.0]]
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        activation: str = "relu",
        seed: Seed = None,
    ) -> None:
        self.in_channels = _check_size(in_channels, "Conv2d in_channels")
        self.out_channels = _check_size(out_channels, "Conv2d out_channels")
        self.kernel_size = _check_size(kernel_size, "Conv2d kernel_size")
        self.stride = _check_stride(stride, "Conv2d")
        self.padding = _check_padding(padding, "Conv2d")
        self.activation = _check_activation(activation)
        k = self.kernel_size
        std = init_std(activation, in_channels * k * k, out_channels * k * k)
        draws = _generator(seed).normal(0.0, std, size=(out_channels, in_channels, k, k))
        self.weight: list[list[list[list[Value]]]] = [
            [[[Value(v) for v in row] for row in kernel] for kernel in channels]
            for channels in draws.tolist()
        ]
        self.bias = [Value(0.0) for _ in range(out_channels)]
        self._label_parameters()

    def output_shape(self, height: int, width: int) -> tuple[int, int, int]:
        """The output's shape ``(out_channels, H_out, W_out)`` for an input of that size.

        Example:
            >>> Conv2d(3, 8, kernel_size=3, stride=2, padding=1).output_shape(8, 8)
            (8, 4, 4)
        """
        k, s, p = self.kernel_size, self.stride, self.padding
        return self.out_channels, (height + 2 * p - k) // s + 1, (width + 2 * p - k) // s + 1

    def __call__(self, image: Any) -> list[list[list[Value]]]:
        """The feature maps ``out[o][i][j]`` for one image ``image[c][i][j]``."""
        k, s, p = self.kernel_size, self.stride, self.padding
        smallest = max(k - 2 * p, 1)
        x, h, w = _image(self, image, self.in_channels, smallest)
        # A plain-number pixel becomes one constant here, shared by every field it is in
        # (instead of one constant per field, which dot() would make).
        x = [[[as_value(v) for v in row] for row in ch] for ch in x]
        if p:
            zero = Constant(0.0)
            blank = [zero] * (w + 2 * p)
            edge = [zero] * p
            x = [[blank] * p + [edge + row + edge for row in ch] + [blank] * p for ch in x]
        _, h_out, w_out = self.output_shape(h, w)
        # One receptive field per position, flattened in the weights' (c, di, dj) order.
        fields = [
            [
                [ch[i * s + di][j * s + dj] for ch in x for di in range(k) for dj in range(k)]
                for j in range(w_out)
            ]
            for i in range(h_out)
        ]
        activate = ACTIVATIONS[self.activation]
        maps = []
        for kernel, b in zip(self.weight, self.bias):
            ws = [wt for channel in kernel for row in channel for wt in row]
            rows = []
            for field_row in fields:
                zs = [dot(ws, field, b) for field in field_row]
                rows.append(zs if activate is None else [activate(z) for z in zs])
            maps.append(rows)
        return maps

    def named_members(self) -> list[tuple[str, Member]]:
        """``weight.o.c.i`` (one kernel row each, so parameters are ``weight.o.c.i.j``), ``bias``.

        Example:
            >>> [name for name, _ in Conv2d(1, 1, 2).named_parameters()]
            ['weight.0.0.0.0', 'weight.0.0.0.1', 'weight.0.0.1.0', 'weight.0.0.1.1', 'bias.0']
        """
        rows: list[tuple[str, Member]] = [
            (f"weight.{o}.{c}.{i}", row)
            for o, kernel in enumerate(self.weight)
            for c, channel in enumerate(kernel)
            for i, row in enumerate(channel)
        ]
        return [*rows, ("bias", self.bias)]

    def config(self) -> dict[str, Any]:
        """The constructor arguments (without the seed).

        Example:
            >>> Conv2d(1, 4, 3, padding=1).config()["padding"]
            1
        """
        return {
            "in_channels": self.in_channels,
            "out_channels": self.out_channels,
            "kernel_size": self.kernel_size,
            "stride": self.stride,
            "padding": self.padding,
            "activation": self.activation,
        }

    @classmethod
    def state_shapes(cls, config: Mapping[str, Any]) -> Iterator[tuple[str, Shape]]:
        """One entry per kernel row, ``weight.o.c.i`` of length k, then ``bias``; from the config.

        Nothing is built, so a file claiming a huge convolution is refused
        as soon as its first missing row or the parameter limit is reached.

        Example:
            >>> list(Conv2d.state_shapes({"in_channels": 1, "out_channels": 1, "kernel_size": 2}))
            [('weight.0.0.0', (2,)), ('weight.0.0.1', (2,)), ('bias', (1,))]
        """
        args = _config(
            config,
            "Conv2d",
            ("in_channels", "out_channels", "kernel_size"),
            {"stride": 1, "padding": 0, "activation": "relu"},
        )
        cin = _check_size(args["in_channels"], "Conv2d in_channels")
        cout = _check_size(args["out_channels"], "Conv2d out_channels")
        k = _check_size(args["kernel_size"], "Conv2d kernel_size")
        _check_stride(args["stride"], "Conv2d")
        _check_padding(args["padding"], "Conv2d")
        _check_activation(args["activation"])
        for o in range(cout):
            for c in range(cin):
                for i in range(k):
                    yield f"weight.{o}.{c}.{i}", (k,)
        yield "bias", (cout,)

    def __repr__(self) -> str:
        k, s, p = self.kernel_size, self.stride, self.padding
        extra = (f", stride {s}" if s != 1 else "") + (f", padding {p}" if p else "")
        count = self.out_channels * (self.in_channels * k * k + 1)
        return (
            f"Conv2d({self.in_channels} -> {self.out_channels}, {k}×{k}{extra}, "
            f"{self.activation}, {count} parameters)"
        )


def _winner(xs: Sequence[float]) -> int:
    """Where the first largest entry is; a NaN beats everything (the last NaN), as in PyTorch."""
    best = 0
    for i in range(1, len(xs)):
        if xs[i] > xs[best] or xs[i] != xs[i]:
            best = i
    return best


def _window_max(*xs: float) -> float:
    return xs[_winner(xs)]


def _window_max_local(out: Any, *xs: Any) -> tuple[float, ...]:
    """∂out/∂xᵢ: 1 for the window's winner, 0 for every other input."""
    win = _winner([float(x) for x in xs])
    return tuple(1.0 if i == win else 0.0 for i in range(len(xs)))


#: The largest of a pooling window as one node: its gradient goes to the winner alone.
maxpool = defop("maxpool", _window_max, _window_max_local)


class MaxPool2d(Module):
    """Max-pooling over non-overlapping ``k × k`` windows (stride k, as PyTorch's default).

    ``out[c][i][j]`` is the largest of ``x[c][i·k .. i·k+k-1][j·k .. j·k+k-1]``,
    one ``maxpool`` node per window whose local derivative is 1 for the
    winner and 0 for the rest, so backward routes the gradient to the largest
    input of each window alone (the first one on a tie; a NaN wins), exactly
    as ``torch.nn.functional.max_pool2d``. Rows and columns that do not fill
    a whole window are dropped.

    Example:
        >>> pool = MaxPool2d(2)
        >>> out = pool([[[1.0, 5.0, 2.0], [3.0, 4.0, 0.0]]])
        >>> out[0][0][0].op, out[0][0][0].data
        ('maxpool', 5.0)
    """

    def __init__(self, kernel_size: int) -> None:
        self.kernel_size = _check_size(kernel_size, "MaxPool2d kernel_size")

    def __call__(self, image: Any) -> list[list[list[Value]]]:
        """The pooled maps ``out[c][i][j]`` for one input ``image[c][i][j]``."""
        k = self.kernel_size
        expected = f"(C, H, W) with H, W >= {k}"
        x, shape = nested(image, 3, repr(self), expected)
        _, h, w = shape
        if h < k or w < k:
            raise ValueError(f"{self!r} expects an input of shape {expected}, got shape {shape}")
        return [
            [
                [
                    maxpool(*(ch[i + di][j + dj] for di in range(k) for dj in range(k)))
                    for j in range(0, w - k + 1, k)
                ]
                for i in range(0, h - k + 1, k)
            ]
            for ch in x
        ]

    def config(self) -> dict[str, Any]:
        """``{"kernel_size": k}``.

        Example:
            >>> MaxPool2d(2).config()
            {'kernel_size': 2}
        """
        return {"kernel_size": self.kernel_size}

    @classmethod
    def state_shapes(cls, config: Mapping[str, Any]) -> Iterator[tuple[str, Shape]]:
        """Nothing: pooling has no parameters (the config is still checked).

        Example:
            >>> list(MaxPool2d.state_shapes({"kernel_size": 2}))
            []
        """
        args = _config(config, "MaxPool2d", ("kernel_size",), {})
        _check_size(args["kernel_size"], "MaxPool2d kernel_size")
        yield from ()

    def __repr__(self) -> str:
        return f"MaxPool2d({self.kernel_size}×{self.kernel_size})"
