"""Section (e): how long ``import autograd_lite`` takes, against a bare interpreter.

Each measurement is a fresh ``python -c ...`` subprocess started from the
repository root (so the checkout is what gets imported); the median wall time
of ``python -c pass`` is the bare interpreter. micrograd and torch are shown
for scale when this run could import them.

The package is byte-compiled first (as ``pip install`` does for a regular
install), so a session that sets PYTHONDONTWRITEBYTECODE measures loading,
not compiling the source on every start.
"""

from __future__ import annotations

import compileall
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import Peers, Row, ratio

SECTION = "(e) import"
ROOT = Path(__file__).resolve().parent.parent


def startup_time(code: str, repeats: int) -> float:
    """Median seconds for ``python -c code`` to start, run and exit.

    Example:
        >>> startup_time("pass", 1) > 0
        True
    """
    times = []
    for _ in range(repeats + 1):  # the first run warms the OS file cache
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def run(peers: Peers, repeats: int) -> list[Row]:
    """Import times of autograd_lite (and the peers) next to a bare interpreter."""
    # Start-up is cheap but noisy: take three times as many samples as elsewhere.
    compileall.compile_dir(str(ROOT / "autograd_lite"), quiet=1)
    bare = startup_time("pass", 3 * repeats)
    rows: list[Row] = []
    ag_time = None
    if peers.autograd_lite is not None:
        ag_time = startup_time("import autograd_lite", 3 * repeats)
        rows.append(
            Row(
                SECTION,
                "python -c ...",
                "import autograd_lite",
                ag_time,
                note="byte-compiled; numpy, graphviz and the non-engine modules load lazily",
            )
        )
    else:
        rows.append(
            Row(
                SECTION, "python -c ...", "import autograd_lite", None, note=peers.autograd_lite_why
            )
        )
    r = ratio(ag_time, bare, higher_is_better=False)
    rows.append(
        Row(
            SECTION,
            "python -c ...",
            "pass (bare interpreter)",
            bare,
            ratio=r,
            goal="≤ 2x slower",
            met=None if r is None else r >= 0.5,
        )
    )
    for module, name in ((peers.micrograd, "micrograd"), (peers.torch, "torch")):
        if module is None:
            continue  # already noted as skipped by the other sections
        label = f"import {name}"
        t = startup_time(label, repeats)
        rows.append(
            Row(SECTION, "python -c ...", label, t, ratio=ratio(ag_time, t, higher_is_better=False))
        )
    return rows
