"""The command line: ``python -m autograd_lite demo|example`` (also ``autograd-lite``).

``demo`` trains a small network on the two moons and draws what it learned;
``example`` works the textbook backpropagation example with every number.

No traceback reaches the user: a bad flag or value is a one-line usage error
(exit status 2), a failure while running is a one-line error (exit 1), a
closed pipe (``demo | head``) ends quietly with 0, and Ctrl-C ends with
"interrupted" and 130. Set ``AUTOGRAD_LITE_TRACEBACK=1`` to see the
traceback of an unexpected error.

Example:
    >>> build_parser().parse_args(["demo", "--hidden", "8,8"]).hidden
    [8, 8]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
from collections.abc import Callable, Sequence

from .. import __version__
from . import interrupt

#: Upper bounds of the demo's options: beyond them a run would take hours or diverge.
MAX_STEPS = 100_000
MAX_SAMPLES = 10_000
MAX_WIDTH = 1024
MAX_LAYERS = 16
MAX_SEED = 2**63 - 1
MAX_LR = 100.0


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # also a number of more than 4,300 digits
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text[:40]!r}") from None


def _int_in(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from low to high."""

    def parse(text: str) -> int:
        value = _whole(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"must be a whole number from {low} to {high}, got {text[:40]}"
            )
        return value

    return parse


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text[:40]!r}") from None
    if not 0.0 < value <= MAX_LR:  # also NaN and inf
        raise argparse.ArgumentTypeError(
            f"must be a number above 0 and at most {MAX_LR:g}, got {text[:40]}"
        )
    return value


def _sizes(text: str) -> list[int]:
    """Hidden layer widths: "16,16" -> [16, 16]."""
    parts = [part.strip() for part in text.split(",")]
    try:
        sizes = [int(part) for part in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated layer widths like 16,16, got {text[:40]!r}"
        ) from None
    if len(sizes) > MAX_LAYERS:
        raise argparse.ArgumentTypeError(f"at most {MAX_LAYERS} hidden layers, got {len(sizes)}")
    if any(not 1 <= size <= MAX_WIDTH for size in sizes):
        raise argparse.ArgumentTypeError(
            f"layer widths must be from 1 to {MAX_WIDTH}, got {text[:40]!r}"
        )
    return sizes


def _output_file(text: str) -> str:
    """Where the SVG goes: a file in an existing, writable directory."""
    if not text or "\0" in text:
        raise argparse.ArgumentTypeError(f"expected a file name, got {text!r}")
    folder = os.path.dirname(os.path.abspath(text))
    if not os.path.isdir(folder):
        raise argparse.ArgumentTypeError(f"the directory {folder!r} does not exist")
    if os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text!r} is a directory; give a file name")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"the directory {folder!r} is not writable")
    return text


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
    demo.add_argument("--steps", type=_int_in(1, MAX_STEPS), default=80, help="training steps (80)")
    demo.add_argument(
        "--seed", type=_int_in(0, MAX_SEED), default=0, help="seed for the data and weights (0)"
    )
    demo.add_argument("--hidden", type=_sizes, default=[16, 16], help="hidden layer widths (16,16)")
    demo.add_argument("--lr", type=_positive_float, default=0.05, help="Adam learning rate (0.05)")
    demo.add_argument(
        "--samples", type=_int_in(2, MAX_SAMPLES), default=100, help="number of moons points (100)"
    )
    demo.add_argument(
        "--out",
        type=_output_file,
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


def _say(message: str) -> None:
    """One line on stderr; a closed stderr is no reason to fail."""
    with contextlib.suppress(OSError, ValueError):
        print(message, file=sys.stderr, flush=True)


def _quiet_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null, so the exit-time flush cannot fail."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _stat(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def _svg(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(256).lstrip().startswith((b"<?xml", b"<svg"))
    except OSError:
        return False


def _run(args: argparse.Namespace, prog: str) -> int:
    if args.command == "example":
        from .example import worked_example

        print(worked_example(args.lr))
        return 0
    from .demo import run

    before = _stat(args.out)
    run(args.steps, args.hidden, args.lr, args.seed, args.samples, args.out)
    sys.stdout.flush()
    after = _stat(args.out)
    # Without Graphviz the demo says how to get it and writes nothing: that is no failure.
    if shutil.which("dot") is not None and (after is None or after == before or not _svg(args.out)):
        _say(f"{prog} demo: error: the graph was not written to {args.out}")
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Example:
        >>> main(["example"]) == 0  # doctest: +ELLIPSIS
        The textbook network, worked by autograd_lite
        ...
        True
    """
    with interrupt.watching():
        status = _main(argv)
        if interrupt.pressed() and status != 130:
            # The KeyboardInterrupt was swallowed on the way (see .interrupt).
            _say("\ninterrupted")
            status = 130
    return status


def _main(argv: Sequence[str] | None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        # Σ, σ and η must never crash a terminal that cannot show them.
        if hasattr(sys.stdout, "reconfigure"):
            sys.stdout.reconfigure(errors="replace")
        status = _run(args, parser.prog)
        sys.stdout.flush()  # here, where a broken pipe can still be caught
        return status
    except KeyboardInterrupt:
        _say("\ninterrupted")
        return 130
    except BrokenPipeError:  # the reader went away (`demo | head`): nothing more to say
        _quiet_stdout()
        return 0
    except Exception as exc:
        if interrupt.pressed():  # Ctrl-C, reported as something else (see .interrupt)
            _say("\ninterrupted")
            return 130
        if os.environ.get("AUTOGRAD_LITE_TRACEBACK"):
            raise
        _say(f"{_prog()}: error: {type(exc).__name__}: {exc}")
        return 1
