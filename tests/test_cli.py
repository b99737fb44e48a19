"""The command line: `python -m autograd_lite demo|example` print what they promise."""

from __future__ import annotations

import io
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_lite.cli import demo

ROOT = Path(__file__).resolve().parent.parent
SMALL_DEMO = ["--steps", "50", "--hidden", "8,8", "--samples", "50"]


def cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m autograd_lite`` in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "autograd_lite", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )


# --- example ---------------------------------------------------------------


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def textbook_by_hand() -> dict[str, float]:
    """The worked example computed independently, straight from the formulas."""
    x1, x2, t, lr = 0.05, 0.10, 0.01, 0.5
    w1, w2, b1, w3, w4, b2, w5, w6, b3 = 0.15, 0.20, 0.35, 0.25, 0.30, 0.35, 0.40, 0.45, 0.60
    h1 = sigmoid(w1 * x1 + w2 * x2 + b1)
    h2 = sigmoid(w3 * x1 + w4 * x2 + b2)
    y = sigmoid(w5 * h1 + w6 * h2 + b3)
    delta = (y - t) * y * (1 - y)  # dE/dz of the output neuron
    d1 = delta * w5 * h1 * (1 - h1)  # dE/dz of h1
    d2 = delta * w6 * h2 * (1 - h2)
    grads = {
        "w1": d1 * x1, "w2": d1 * x2, "b1": d1,
        "w3": d2 * x1, "w4": d2 * x2, "b2": d2,
        "w5": delta * h1, "w6": delta * h2, "b3": delta,
    }  # fmt: skip
    weights = {"w1": w1, "w2": w2, "b1": b1, "w3": w3, "w4": w4, "b2": b2}
    weights |= {"w5": w5, "w6": w6, "b3": b3}
    numbers = {"h1": h1, "h2": h2, "y": y, "E": 0.5 * (t - y) ** 2}
    numbers |= {f"dE/d{k}": g for k, g in grads.items()}
    new = {k: w - lr * grads[k] for k, w in weights.items()}
    numbers |= {f"new {k}": v for k, v in new.items()}
    h1 = sigmoid(new["w1"] * x1 + new["w2"] * x2 + new["b1"])
    h2 = sigmoid(new["w3"] * x1 + new["w4"] * x2 + new["b2"])
    numbers["E after"] = 0.5 * (t - sigmoid(new["w5"] * h1 + new["w6"] * h2 + new["b3"])) ** 2
    return numbers


@pytest.fixture(scope="module")
def example_output() -> str:
    result = cli("example")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def number_after(text: str, pattern: str) -> float:
    """The last number on the first line that matches ``pattern``."""
    line = next(line for line in text.splitlines() if re.search(pattern, line))
    return float(re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", line)[-1])


def test_example_forward_pass_numbers(example_output: str) -> None:
    expected = textbook_by_hand()
    assert "z_h1 = w1·x1 + w2·x2 + b1 = 0.15·0.05 + 0.2·0.1 + 0.35 = 0.3775" in example_output
    for name in ("h1", "h2", "y"):
        got = number_after(example_output, rf"^  {name} = σ\(")
        assert got == pytest.approx(expected[name], rel=1e-8)
    assert number_after(example_output, r"Error: E = 1/2 \(t - y\)\^2") == pytest.approx(
        expected["E"], rel=1e-8
    )
    assert "0.274811083" in example_output  # the classic textbook value


def test_example_prints_the_gradient_of_every_weight(example_output: str) -> None:
    expected = textbook_by_hand()
    for name in ("w1", "w2", "b1", "w3", "w4", "b2", "w5", "w6", "b3"):
        got = number_after(example_output, rf"^  dE/d{name} = -?\d")
        assert got == pytest.approx(expected[f"dE/d{name}"], rel=1e-8), name
    assert "dE/dw5 = 0.0821670406" in example_output  # matches the textbook's 0.082167041


def test_example_spells_out_the_chain_rule_and_matches_backward(example_output: str) -> None:
    assert "dE/dw5 = dE/dy · dy/dz · dz/dw5" in example_output
    assert "= (y - t) · y(1 - y) · h1" in example_output
    assert "w5.grad from backward() = 0.0821670406: the same number" in example_output
    assert "w1.grad from backward()" in example_output
    assert "DIFFERENT" not in example_output


def test_example_takes_one_gradient_descent_step(example_output: str) -> None:
    expected = textbook_by_hand()
    for name in ("w1", "w2", "b1", "w3", "w4", "b2", "w5", "w6", "b3"):
        got = number_after(example_output, rf"^  {name} = \d.* - 0\.5·")
        assert got == pytest.approx(expected[f"new {name}"], rel=1e-8), name
    after = float(re.search(r"Error after the step: E = ([\d.]+)", example_output).group(1))  # type: ignore[union-attr]
    assert after == pytest.approx(expected["E after"], rel=1e-8)
    assert after < expected["E"]


def test_example_learning_rate_option() -> None:
    result = cli("example", "--lr", "0.1")
    assert result.returncode == 0
    assert "w5 = 0.4 - 0.1·0.0821670406 = 0.391783296" in result.stdout


# --- demo ------------------------------------------------------------------


def test_demo_trains_prints_progress_map_and_writes_svg(tmp_path: Path) -> None:
    svg = tmp_path / "graph.svg"
    result = cli("demo", *SMALL_DEMO, "--out", str(svg))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Training MLP(2 -> 8 relu -> 8 relu -> 1 linear, 105 parameters)" in out
    progress = [line for line in out.splitlines() if line.startswith("step ")]
    assert progress and progress[-1].startswith("step 50/50")
    assert all("loss" in line and "accuracy" in line for line in progress)
    assert "\r" not in out  # not a terminal: plain lines
    accuracy = float(re.search(r"training accuracy ([\d.]+)%", out).group(1))  # type: ignore[union-attr]
    assert accuracy >= 95.0
    grid = [line for line in out.splitlines() if line.startswith("|")]
    assert len(grid) == 22 and all(len(line) == 66 for line in grid)
    body = "".join(grid)
    assert "o" in body and "x" in body and "." in body
    if demo.shutil.which("dot"):
        assert f"wrote {svg}" in out
        assert svg.read_text().lstrip().startswith(("<?xml", "<svg"))
        assert "relu" in svg.read_text()
    else:
        assert "apt-get install graphviz" in out


def test_demo_without_dot_says_how_to_get_it(tmp_path: Path) -> None:
    env = dict(os.environ, PATH=str(tmp_path))  # no `dot` anywhere on the PATH
    svg = tmp_path / "graph.svg"
    result = cli(
        "demo", "--steps", "2", "--hidden", "4", "--samples", "20", "--out", str(svg), env=env
    )
    assert result.returncode == 0, result.stderr
    hint = [line for line in result.stdout.splitlines() if "graphviz" in line.lower()]
    assert len(hint) == 1 and "apt-get install graphviz" in hint[0]
    assert not svg.exists()


def test_demo_progress_rewrites_one_line_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    demo.run(steps=3, hidden=(4,), samples=20, out=os.devnull, stream=screen)
    text = screen.getvalue()
    assert text.count("\rstep ") == 3 and "\rstep 3/3" in text


def test_the_default_demo_reaches_95_percent_in_process() -> None:
    result = demo.train_moons(steps=60, hidden=(16, 16), seed=0)
    assert result.accuracy >= 0.95


# --- usage -----------------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["demo"], ["example"]])
def test_help(command: list[str]) -> None:
    result = cli(*command, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: python -m autograd_lite")
    assert "--help" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["train"],
        ["demo", "--steps", "0"],
        ["demo", "--steps", "many"],
        ["demo", "--hidden", "16,x"],
        ["demo", "--hidden", "0"],
        ["demo", "--lr", "-1"],
        ["demo", "--bogus"],
        ["example", "--lr", "nan"],
    ],
)
def test_bad_options_give_a_usage_error_not_a_traceback(args: list[str]) -> None:
    result = cli(*args)
    assert result.returncode == 2
    assert "usage:" in result.stderr and "error:" in result.stderr
    assert "Traceback" not in result.stderr


def test_console_script_entry_point_is_main() -> None:
    from autograd_lite.cli import main

    assert main(["example"]) == 0
