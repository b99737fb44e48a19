"""Benchmark autograd_lite against micrograd, PyTorch and plain Python, in one run.

Usage:
    python benchmarks/run.py                      # full size, 5 repeats
    python benchmarks/run.py --size tiny --repeats 1
    python benchmarks/run.py --only mlp,chain --repeats 9
    python benchmarks/run.py --profile            # where an MLP step spends its time

Sections: (a) mlp, (b) graph, (c) memory, (d) chain, (e) import, (f) layers
(CNN and RNN steps, eager against ag.compile). Every peer
is first checked to compute the same loss and gradients as autograd_lite
(relative tolerance 1e-9); if one disagrees, no table is printed and the exit
status is 1. Peers that are not installed are skipped with a note. Exit status
3 means autograd_lite itself could not be imported (the peers were still
checked against each other).
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import gc
import os
import platform
import pstats
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

# Run as a script, Python puts benchmarks/ on the path; the checkout's root is
# what we need, so that `benchmarks` and the local autograd_lite are imported.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import (  # noqa: E402
    chain,
    import_time,
    layers_step,
    memory,
    mlp_step,
    random_graph,
)
from benchmarks.common import RTOL, Disagreement, Peers, Row, load_peers  # noqa: E402


@dataclass(frozen=True)
class Size:
    """Problem sizes: moons points, random-graph nodes, chain depth; layers: images, sequences."""

    points: int
    nodes: int
    depth: int
    images: int = 16
    sequences: int = 8
    steps: int = 12


SIZES = {
    "tiny": Size(points=8, nodes=2_000, depth=2_000, images=2, sequences=2, steps=3),
    "small": Size(points=100, nodes=20_000, depth=100_000),
    "full": Size(points=100, nodes=100_000, depth=1_000_000),
}

SECTIONS = {"a": "mlp", "b": "graph", "c": "memory", "d": "chain", "e": "import", "f": "layers"}


def parse_size(text: str) -> Size:
    """A preset name, or a number that scales the full graph and chain sizes.

    Example:
        >>> parse_size("0.1")
        Size(points=100, nodes=10000, depth=100000, images=16, sequences=8, steps=12)
    """
    if text in SIZES:
        return SIZES[text]
    try:
        factor = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"size must be one of {', '.join(SIZES)} or a positive number, got {text!r}"
        ) from None
    if not factor > 0:
        raise argparse.ArgumentTypeError(f"size must be positive, got {text!r}")
    full = SIZES["full"]
    return Size(
        full.points, max(100, round(full.nodes * factor)), max(10, round(full.depth * factor))
    )


def parse_only(text: str) -> list[str]:
    """Comma-separated section names or letters, as section names.

    Example:
        >>> parse_only("a,chain")
        ['mlp', 'chain']
    """
    chosen = []
    for part in text.split(","):
        name = SECTIONS.get(part.strip().lower(), part.strip().lower())
        if name not in SECTIONS.values():
            raise argparse.ArgumentTypeError(
                f"unknown section {part!r}; choose from "
                + ", ".join(f"{k}/{v}" for k, v in SECTIONS.items())
            )
        chosen.append(name)
    return chosen


def positive(text: str) -> int:
    """An integer >= 1, for argparse."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {value}")
    return value


def parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = argparse.ArgumentParser(
        prog="python benchmarks/run.py",
        description="Benchmark autograd_lite against micrograd, PyTorch and plain Python.",
    )
    p.add_argument(
        "--size",
        type=parse_size,
        default=SIZES["full"],
        help="tiny, small, full (default) or a factor of full for graph and chain",
    )
    p.add_argument(
        "--repeats",
        type=positive,
        default=5,
        help="timed repetitions per measurement; the table shows medians (default 5)",
    )
    p.add_argument(
        "--only",
        type=parse_only,
        default=list(SECTIONS.values()),
        help="comma-separated sections: a/mlp, b/graph, c/memory, d/chain, e/import, f/layers",
    )
    p.add_argument("--points", type=positive, help="moons points for the MLP step")
    p.add_argument("--nodes", type=positive, help="nodes of the random graph")
    p.add_argument("--depth", type=positive, help="depth of the chain")
    p.add_argument(
        "--profile",
        action="store_true",
        help="instead of the table, cProfile autograd_lite's MLP step",
    )
    return p


# --------------------------------------------------------------------------- formatting


def format_value(row: Row) -> str:
    """The median in readable units."""
    v = row.value
    if v is None:
        return "skipped"
    if isinstance(v, str):
        return v
    if row.unit == "s":
        for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
            if v >= scale:
                return f"{v / scale:.3g} {unit}"
        return f"{v * 1e9:.3g} ns"
    if row.unit == "nodes/s":
        return f"{v / 1e6:.3g} M nodes/s"
    if row.unit == "B/node":
        return f"{v:.0f} B/node"
    return f"{v:.3g} {row.unit}".strip()


def format_ratio(row: Row) -> str:
    """autograd_lite against this row: "12.3x faster", "2.1x slower", or "—"."""
    r = row.ratio
    if r is None:
        return "—"
    better, worse = row.words
    return f"{r:.3g}x {better}" if r >= 1.0 else f"{1.0 / r:.3g}x {worse}"


def format_goal(row: Row) -> str:
    """The target and whether this run met it."""
    if not row.goal:
        return ""
    status = {True: "met", False: "**missed**", None: "n/a"}[row.met]
    return f"{row.goal}: {status}"


def table(rows: Sequence[Row]) -> str:
    """The Markdown table of all rows."""
    header = ["section", "measure", "variant", "median", "autograd_lite vs this", "target", "note"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        cells = [
            row.section,
            row.measure,
            row.variant,
            format_value(row),
            format_ratio(row),
            format_goal(row),
            row.note,
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def machine(peers: Peers, size: Size, repeats: int, load: str) -> str:
    """A few lines saying what ran where; ``load`` is the load average at the start."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(
                (ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), cpu
            )
    except OSError:
        pass

    def version(name: str, module: object, why: str) -> str:
        if module is None:
            return f"{name} skipped ({why})"
        found = getattr(module, "__version__", None)
        if found is None:
            try:
                found = metadata.version(name)
            except metadata.PackageNotFoundError:
                found = "(version unknown)"
        return f"{name} {found}"

    reference = "autograd_lite" if peers.autograd_lite else "the first variant of its section"
    libraries = [
        version("autograd_lite", peers.autograd_lite, peers.autograd_lite_why),
        version("micrograd", peers.micrograd, peers.micrograd_why),
        version("torch", peers.torch, peers.torch_why) + (" (1 thread)" if peers.torch else ""),
    ]
    return "\n".join(
        [
            f"- machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
            f"load average {load} at the start, {_load()} at the end",
            f"- Python {platform.python_version()} ({platform.python_implementation()}), "
            + ", ".join(libraries),
            f"- sizes: {size.points} moons points, {size.nodes:,}-node random graph, "
            f"{size.depth:,}-deep chain, {size.images} images per CNN step, {size.sequences} "
            f"sequences of {size.steps} per RNN step; median of {repeats} repeats after a warm-up",
            "- objects alive before measuring are frozen out of the cyclic gc (gc.freeze()), "
            "so peers' imports do not slow down collections",
            f"- every variant was checked against {reference} to relative tolerance {RTOL:g}",
        ]
    )


def _load() -> str:
    """The 1-minute load average (other work on the machine skews timings)."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"


# --------------------------------------------------------------------------- running


def run_sections(
    peers: Peers, sections: Sequence[str], size: Size, repeats: int, log: Callable[[str], None]
) -> list[Row]:
    """Run the chosen sections in order and collect their rows."""
    jobs: dict[str, Callable[[], list[Row]]] = {
        "mlp": lambda: mlp_step.run(peers, size.points, repeats),
        "graph": lambda: random_graph.run(peers, size.nodes, repeats),
        "memory": lambda: memory.run(peers, size.nodes),
        "chain": lambda: chain.run(peers, size.depth, repeats),
        "import": lambda: import_time.run(peers, repeats),
        "layers": lambda: layers_step.run(peers, size.images, size.sequences, size.steps, repeats),
    }
    rows: list[Row] = []
    for name in SECTIONS.values():
        if name in sections:
            start = time.perf_counter()
            # Skipped variants go to the end of their section.
            rows.extend(sorted(jobs[name](), key=lambda row: row.value is None))
            log(f"{name}: {time.perf_counter() - start:.1f} s")
    return rows


def profile_mlp(peers: Peers, points: int, repeats: int, top: int = 25) -> None:
    """Print where autograd_lite's MLP step spends its time.

    First the median of each phase without a profiler (cProfile inflates
    per-call costs), then cProfile's top functions over ``repeats`` steps.
    """
    if peers.autograd_lite is None:
        raise SystemExit(f"cannot profile: {peers.autograd_lite_why}")
    variant = mlp_step.AutogradLite(mlp_step.make_problem(points), peers.autograd_lite)
    variant.step()
    runs = [variant.phases() for _ in range(max(repeats, 5))]
    total = sum(statistics.median(r[phase] for r in runs) for phase in runs[0])
    print(f"autograd_lite MLP step ({points} points, {variant.note}), median per phase:")
    for phase in runs[0]:
        median = statistics.median(r[phase] for r in runs)
        print(f"  {phase:<16} {median * 1e3:8.2f} ms  {100 * median / total:5.1f} %")
    print(f"  {'total':<16} {total * 1e3:8.2f} ms\n")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeats):
        variant.step()
    profiler.disable()
    print(f"cProfile of {repeats} steps:")
    stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks and print the table; returns the exit status."""
    args = parser().parse_args(argv)
    size = dataclasses.replace(
        args.size,
        points=args.points or args.size.points,
        nodes=args.nodes or args.size.nodes,
        depth=args.depth or args.size.depth,
    )
    peers = load_peers()
    # Freeze what is alive now (torch alone is >100k objects), so each full
    # collection during a gc-on measurement scans only what the benchmark built.
    gc.collect()
    gc.freeze()
    if args.profile:
        profile_mlp(peers, size.points, args.repeats)
        return 0

    def log(message: str) -> None:
        print(f"[benchmarks] {message}", file=sys.stderr, flush=True)

    load = _load()
    try:
        rows = run_sections(peers, args.only, size, args.repeats, log)
    except Disagreement as exc:
        print(
            f"benchmarks: refusing to print a table, a variant computes something else:\n  {exc}",
            file=sys.stderr,
        )
        return 1
    print("# autograd_lite benchmarks\n")
    print(machine(peers, size, args.repeats, load))
    print()
    print(table(rows))
    if peers.autograd_lite is None:
        print(
            f"benchmarks: {peers.autograd_lite_why}; the peers were only checked against "
            "each other",
            file=sys.stderr,
        )
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
