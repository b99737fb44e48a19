"""The command line: `python -m autograd_lite demo|example` print what they promise."""

from __future__ import annotations

import html
import io
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_lite import nn
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


def mazur_by_hand(lr: float = 0.5) -> dict[str, float]:
    """The published walkthrough computed independently, straight from its formulas."""
    x1, x2, y1, y2 = 0.05, 0.10, 0.01, 0.99
    w = {"w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30, "w5": 0.40, "w6": 0.45}
    w |= {"w7": 0.50, "w8": 0.55}
    b1, b2 = 0.35, 0.60

    def forward(w: dict[str, float]) -> tuple[float, ...]:
        h1 = sigmoid(w["w1"] * x1 + w["w2"] * x2 + b1)
        h2 = sigmoid(w["w3"] * x1 + w["w4"] * x2 + b1)
        o1 = sigmoid(w["w5"] * h1 + w["w6"] * h2 + b2)
        o2 = sigmoid(w["w7"] * h1 + w["w8"] * h2 + b2)
        return h1, h2, o1, o2, 0.5 * (y1 - o1) ** 2 + 0.5 * (y2 - o2) ** 2

    h1, h2, o1, o2, error = forward(w)
    d1 = (o1 - y1) * o1 * (1 - o1)  # dE/dz of output 1
    d2 = (o2 - y2) * o2 * (1 - o2)
    dh1 = (d1 * w["w5"] + d2 * w["w7"]) * h1 * (1 - h1)  # dE/dz of h1
    dh2 = (d1 * w["w6"] + d2 * w["w8"]) * h2 * (1 - h2)
    grads = {
        "w1": dh1 * x1, "w2": dh1 * x2, "w3": dh2 * x1, "w4": dh2 * x2, "b1": dh1 + dh2,
        "w5": d1 * h1, "w6": d1 * h2, "w7": d2 * h1, "w8": d2 * h2, "b2": d1 + d2,
    }  # fmt: skip
    new = {k: v - lr * grads[k] for k, v in w.items()}
    numbers = {"h1": h1, "h2": h2, "ŷ1": o1, "ŷ2": o2, "E": error, "E after": forward(new)[-1]}
    numbers |= {f"dE/d{k}": g for k, g in grads.items()}
    numbers |= {f"new {k}": v for k, v in new.items()}
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


def test_example_cites_the_published_walkthrough(example_output: str) -> None:
    assert 'Matt Mazur, "A Step by Step Backpropagation Example"' in example_output
    assert "2 sigmoid outputs (ŷ1, ŷ2)" in example_output
    assert "targets y1 = 0.01, y2 = 0.99" in example_output


def test_example_forward_pass_numbers(example_output: str) -> None:
    expected = mazur_by_hand()
    assert "z_h1 = w1·x1 + w2·x2 + b1 = 0.15·0.05 + 0.2·0.1 + 0.35 = 0.3775" in example_output
    assert "z_h2 = w3·x1 + w4·x2 + b1 = 0.25·0.05 + 0.3·0.1 + 0.35 = 0.3925" in example_output
    for name in ("h1", "h2", "ŷ1", "ŷ2"):
        got = number_after(example_output, rf"^  {name} = σ\(")
        assert got == pytest.approx(expected[name], rel=1e-8)
    assert number_after(example_output, r"^  E = ") == pytest.approx(expected["E"], rel=1e-8)
    assert "  E = 0.298371109" in example_output  # the walkthrough's E_total


def test_example_prints_the_gradient_of_every_parameter(example_output: str) -> None:
    expected = mazur_by_hand()
    for name in ("w1", "w2", "w3", "w4", "b1", "w5", "w6", "w7", "w8", "b2"):
        got = number_after(example_output, rf"^  dE/d{name} = -?\d")
        assert got == pytest.approx(expected[f"dE/d{name}"], rel=1e-8), name
    assert "dE/dw5 = 0.0821670406" in example_output  # the walkthrough's 0.082167041


def test_example_spells_out_the_chain_rule_and_matches_backward(example_output: str) -> None:
    assert "dE/dw5 = dE/dŷ1 · dŷ1/dz_ŷ1 · dz_ŷ1/dw5" in example_output
    assert "= (ŷ1 - y1) · ŷ1(1 - ŷ1) · h1" in example_output
    assert "w5.grad from backward() = 0.0821670406: the same number" in example_output
    assert "dE/dh1 = dE/dz_ŷ1 · w5 + dE/dz_ŷ2 · w7" in example_output  # two paths to w1
    assert "w1.grad from backward() = 0.000438567734" in example_output
    assert "DIFFERENT" not in example_output


def test_example_steps_the_weights_to_the_published_numbers(example_output: str) -> None:
    expected = mazur_by_hand()
    for name in ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"):
        got = number_after(example_output, rf"^  {name} = \d.* - 0\.5·")
        assert got == pytest.approx(expected[f"new {name}"], rel=1e-8), name
    assert "w5 = 0.4 - 0.5·0.0821670406 = 0.35891648" in example_output  # w5⁺ as published
    assert "w1 = 0.15 - 0.5·0.000438567734 = 0.149780716" in example_output  # w1⁺
    assert "b1 = " not in example_output.split("5. One gradient-descent step")[1]
    after = float(re.search(r"Error after the step: E = ([\d.]+)", example_output).group(1))  # type: ignore[union-attr]
    assert after == pytest.approx(expected["E after"], rel=1e-8)
    assert after < expected["E"]
    checks = example_output.split("The walkthrough's published numbers:")[1]
    assert checks.count("✓") == 3 and "✗" not in checks


def test_example_learning_rate_option() -> None:
    result = cli("example", "--lr", "0.1")
    assert result.returncode == 0
    assert "w5 = 0.4 - 0.1·0.0821670406 = 0.391783296" in result.stdout
    assert "published numbers" not in result.stdout  # those are for η = 0.5 only


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


def test_demo_progress_and_summary_agree(tmp_path: Path) -> None:
    result = cli("demo", *SMALL_DEMO, "--out", str(tmp_path / "g.svg"))
    out = result.stdout
    last = [line for line in out.splitlines() if line.startswith("step ")][-1]
    summary = next(line for line in out.splitlines() if line.startswith("trained in"))
    loss, accuracy = re.search(r"loss ([\d.]+)\s+accuracy\s+([\d.]+%)", last).groups()  # type: ignore[union-attr]
    assert f"loss {loss}, training accuracy {accuracy}" in summary


def test_demo_says_it_compiles_which_tier_ran_and_the_time_per_step(tmp_path: Path) -> None:
    out = cli("demo", *SMALL_DEMO, "--out", str(tmp_path / "g.svg")).stdout
    assert "ag.compile'd: traced on the first step, replayed on the others" in out
    summary = next(line for line in out.splitlines() if line.startswith("trained in"))
    assert re.search(r"on the (numpy|python) tier \(first step [\d.]+ ms", summary), summary
    assert re.search(r"then [\d.]+ ms per step\)", summary), summary
    assert "ran eagerly" not in out


def test_train_compiles_the_loss_and_matches_eager_training() -> None:
    results = {}
    for tier in ("numpy", "python", "eager"):
        model, X, y = demo.moons_problem(hidden=(4,), samples=30, seed=2)
        results[tier] = demo.train(model, X, y, steps=4, lr=0.05, tier=tier)
        assert results[tier].mode == tier, results[tier].fallback_reason
    eager = results["eager"].losses
    for tier in ("numpy", "python"):
        got = results[tier].losses
        assert all(abs(a - b) <= 1e-12 * max(1.0, abs(b)) for a, b in zip(got, eager)), tier


def test_train_reports_the_model_after_each_step() -> None:
    model, X, y = demo.moons_problem(hidden=(4,), samples=20, seed=1)
    seen: list[tuple[int, float, float]] = []
    result = demo.train(model, X, y, steps=5, lr=0.05, progress=lambda *a: seen.append(a))
    assert [s for s, _, _ in seen] == [1, 2, 3, 4, 5]
    assert [loss for _, loss, _ in seen[:-1]] == result.losses[1:]  # step k+1 starts from k
    assert seen[-1] == (5, result.loss, result.accuracy)
    assert result.accuracy == demo.accuracy(model, X, y)


@pytest.mark.skipif(demo.shutil.which("dot") is None, reason="Graphviz's dot not installed")
def test_demo_svg_shows_a_live_neuron_named_like_draw_model(tmp_path: Path) -> None:
    from autograd_lite import draw_model

    svg = tmp_path / "g.svg"
    model, X, y = demo.moons_problem(hidden=(8, 8), samples=50, seed=0)
    demo.train(model, X, y, steps=30, lr=0.05)
    before = [(p.label, p.grad) for p in model.parameters()]
    line = demo.write_neuron_graph(model, X, svg)
    assert line.startswith(f"wrote {svg}")
    text = html.unescape(svg.read_text())  # Graphviz writes - as &#45;
    grads = [float(g) for g in re.findall(r">grad (-?[\d.e-]+)<", text)]
    assert len(grads) == 7 and all(g != 0 for g in grads)  # w1 w2 x1 x2 b z a
    for name in ("x1", "x2", "w1", "w2", ">b<"):
        assert name in text
    assert ">x0<" not in text
    assert "x1" in draw_model(model).source and "x2" in draw_model(model).source
    assert [(p.label, p.grad) for p in model.parameters()] == before  # the model is untouched


def test_a_dead_neuron_is_skipped_and_gradients_are_left_alone() -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    first, second = model.layers[0].neurons
    for w in first.w:
        w.data = -1.0  # relu(-x1 - x2 + 0) is dead on positive points
    for p in model.parameters():
        p.grad = 0.25  # as training might leave them
    assert demo.live_neuron(model, [[1.0, 2.0]]) == (1, 0)
    for w in second.w:
        w.data = -1.0
    assert demo.live_neuron(model, [[1.0, 2.0]]) is None
    assert all(p.grad == 0.25 for p in model.parameters())


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
