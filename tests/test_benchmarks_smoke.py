"""The benchmark script keeps working: run at the tiniest size, it prints its table.

These tests never look at timings. micrograd and torch are optional peers: when
they are missing the script skips them with a note, and one test hides them on
purpose to check exactly that.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "run.py"
SECTIONS = [
    "(a) MLP step",
    "(b) random graph",
    "(c) memory",
    "(d) deep chain",
    "(e) import",
    "(f) layers",
]
TINY = ["--size", "tiny", "--repeats", "1"]


def run_script(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run benchmarks/run.py in a fresh interpreter and capture its output."""
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def table_rows(stdout: str) -> list[list[str]]:
    """The cells of every data row of the Markdown table."""
    rows = []
    for line in stdout.splitlines():
        if line.startswith("| ") and not line.startswith("| section"):
            rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows


def test_tiny_run_prints_a_table_row_for_every_section() -> None:
    result = run_script(*TINY)
    assert result.returncode == 0, result.stderr
    sections = {row[0] for row in table_rows(result.stdout)}
    assert sections == set(SECTIONS)


def test_only_runs_the_chosen_sections() -> None:
    result = run_script(*TINY, "--only", "a,chain")
    assert result.returncode == 0, result.stderr
    sections = {row[0] for row in table_rows(result.stdout)}
    assert sections == {"(a) MLP step", "(d) deep chain"}


def test_missing_peers_are_skipped_with_a_note(tmp_path: Path) -> None:
    # Modules on PYTHONPATH shadow the installed peers and fail to import.
    (tmp_path / "torch.py").write_text("raise ImportError('hidden by the smoke test')\n")
    (tmp_path / "micrograd").mkdir()
    (tmp_path / "micrograd" / "__init__.py").write_text(
        "raise ImportError('hidden by the smoke test')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = run_script(*TINY, env=env)
    assert result.returncode == 0, result.stderr
    rows = table_rows(result.stdout)
    assert {row[0] for row in rows} == set(SECTIONS)
    skipped = [row for row in rows if row[3] == "skipped"]
    assert skipped, result.stdout
    assert all("hidden by the smoke test" in row[-1] for row in skipped)
    assert not any(
        row[2].startswith(("PyTorch", "micrograd")) and row[3] != "skipped" for row in rows
    )


def test_a_variant_that_disagrees_stops_the_run_without_a_table() -> None:
    # Nudge the plain-float loss: the check must catch it before anything is timed.
    code = (
        "from benchmarks import mlp_step, run\n"
        "step = mlp_step.PlainFloats.step\n"
        "mlp_step.PlainFloats.step = lambda self: step(self) * (1 + 1e-6)\n"
        "raise SystemExit(run.main(['--size', 'tiny', '--repeats', '1', '--only', 'mlp']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 1
    assert "plain floats" in result.stderr
    assert "disagrees" in result.stderr
    assert "| section" not in result.stdout


def test_the_layers_section_times_eager_and_compiled_cnn_and_rnn_steps() -> None:
    result = run_script(*TINY, "--only", "layers")
    assert result.returncode == 0, result.stderr
    rows = table_rows(result.stdout)
    assert {row[0] for row in rows} == {"(f) layers"}
    measures = [row[1] for row in rows]
    assert measures == [m for m in dict.fromkeys(measures) for _ in range(2)]  # pairs
    assert [m.split(" (")[0] for m in dict.fromkeys(measures)] == [
        "CNN step",
        "CNN step without pooling",
        "RNN step",
    ]
    assert [row[2] for row in rows[::2]] == ["autograd_lite eager"] * 3
    assert all(row[2].startswith("autograd_lite compiled (") for row in rows[1::2])
    assert all("x faster than eager" in row[-1] for row in rows[1::2])


def test_a_compiled_layer_step_that_disagrees_stops_the_run_without_a_table() -> None:
    code = (
        "from benchmarks import layers_step, run\n"
        "grads = layers_step.Step.gradients\n"
        "def nudged(self):\n"
        "    loss, g = grads(self)\n"
        "    return loss, [x * (1 + 1e-6) if self.compiled else x for x in g]\n"
        "layers_step.Step.gradients = nudged\n"
        "raise SystemExit(run.main(['--size', 'tiny', '--repeats', '1', '--only', 'layers']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 1
    assert "compiled CNN step" in result.stderr and "disagrees" in result.stderr
    assert "| section" not in result.stdout


def test_profile_prints_the_phases_and_the_profile() -> None:
    result = run_script(*TINY, "--profile")
    assert result.returncode == 0, result.stderr
    assert "backward" in result.stdout
    assert "cProfile" in result.stdout
