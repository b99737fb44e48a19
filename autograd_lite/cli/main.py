"""The command line: ``python -m autograd_lite demo|example`` (also ``autograd-lite``).

``demo`` trains a small network on the two moons and draws what it learned;
``example`` works the textbook backpropagation example with every number.

Example:
    >>> build_parser().parse_args(["demo", "--hidden", "8,8"]).hidden
    [8, 8]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .. import __version__


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def _sizes(text: str) -> list[int]:
    """Hidden layer widths: "16,16" -> [16, 16]."""
    parts = [part.strip() for part in text.split(",")]
    try:
        sizes = [int(part) for part in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated layer widths like 16,16, got {text!r}"
        ) from None
    if any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"layer widths must be at least 1, got {text!r}")
    return sizes


def _prog() -> str:
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return "python -m autograd_lite" if name in ("", "__main__.py", "-c") else name


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with its two commands.

    Example:
        >>> build_parser().parse_args(["example"]).lr
        0.5
    """
    parser = argparse.ArgumentParser(
        prog=_prog(),
        description="autograd_lite: a scalar reverse-mode autodiff engine, and a network on it.",
    )
    parser.add_argument("-V", "--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="{demo,example}", required=True)

    demo = commands.add_parser(
        "demo",
        help="train an MLP on the two moons; show progress, a decision map and a graph",
        description=(
            "Train MLP(2, [*hidden, 1]) (relu, linear output) on the two-moons data set with "
            "the hinge loss and Adam, showing step, loss and accuracy as it goes; then print "
            "an ASCII map of the decision boundary and write the computation graph of one "
            "neuron as SVG (needs Graphviz's `dot` program)."
        ),
    )
    demo.add_argument("--steps", type=_positive_int, default=80, help="training steps (80)")
    demo.add_argument("--seed", type=int, default=0, help="seed for the data and weights (0)")
    demo.add_argument("--hidden", type=_sizes, default=[16, 16], help="hidden layer widths (16,16)")
    demo.add_argument("--lr", type=_positive_float, default=0.05, help="Adam learning rate (0.05)")
    demo.add_argument(
        "--samples", type=_positive_int, default=100, help="number of moons points (100)"
    )
    demo.add_argument(
        "--out",
        default="autograd_lite_demo.svg",
        help="where to write the SVG graph (autograd_lite_demo.svg)",
    )

    example = commands.add_parser(
        "example",
        help="the textbook backprop example, worked with every number",
        description=(
            "Work the textbook network (2 inputs, 2 hidden sigmoid neurons, 1 sigmoid output, "
            "error 1/2 (t - y)^2) with the engine: forward pass, error, every gradient, the "
            "chain rule spelled out by hand, and one gradient-descent step."
        ),
    )
    example.add_argument(
        "--lr", type=_positive_float, default=0.5, help="learning rate η of the step (0.5)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Example:
        >>> main(["example"]) == 0  # doctest: +ELLIPSIS
        The textbook network, worked by autograd_lite
        ...
        True
    """
    args = build_parser().parse_args(argv)
    # Σ, σ and η must never crash a terminal that cannot show them.
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
    try:
        if args.command == "demo":
            from .demo import run

            run(args.steps, args.hidden, args.lr, args.seed, args.samples, args.out)
        else:
            from .example import worked_example

            print(worked_example(args.lr))
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    return 0

