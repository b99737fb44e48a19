"""The debugger route, in a real pdb session: `s` from `next(steps)` or from
`y.backward()` reaches the chain rule within 10 line events of library code,
with no import machinery on the way (commands on stdin, a fresh process)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = str(ROOT / "autograd_lite")
STOP = re.compile(r"^> (?P<file>.+?)\((?P<line>\d+)\)(?P<function>[^(]+)\(\)")


def pdb_session(tmp_path: Path, script: str, commands: list[str]) -> list[str]:
    """Run ``script`` under ``python -m pdb`` fed ``commands``; pdb's output, line by line."""
    path = tmp_path / "script.py"
    path.write_text(script)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "pdb", str(path)],
        input="\n".join([*commands, "q"]) + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )
    return result.stdout.replace("(Pdb) ", "\n").splitlines()


def stops_after_breakpoint(output: list[str]) -> list[tuple[str, str, str]]:
    """Each place pdb stopped, as (kind, file, function); kind is line, call or return."""
    stops = []
    kind = "line"
    for text in output:
        if text.startswith("--Call--"):
            kind = "call"
        elif text.startswith("--Return--"):
            kind = "return"
        elif match := STOP.match(text):
            stops.append((kind, match["file"], match["function"]))
            kind = "line"
    return stops[2:]  # the script's first line, then the breakpoint


def line_events_until(stops: list[tuple[str, str, str]], target: re.Pattern[str]) -> int:
    """Line events in library code before the first stop in a function matching ``target``."""
    count = 0
    for kind, file, function in stops:
        if target.fullmatch(function):
            return count
        assert "importlib" not in file and "<frozen" not in file, f"import machinery: {file}"
        if kind == "line" and file.startswith(PACKAGE):
            count += 1
    raise AssertionError(f"never reached {target.pattern}: {stops}")


STEPS = """\
import autograd_lite as ag

x = ag.Value(0.5, label="x")
steps = (x * 3).tanh().backward_steps()
step = next(steps)
print("local grads", step.local_grads)
"""

BACKWARD = """\
import autograd_lite as ag

x = ag.Value(0.5, label="x")
y = (x * 3).tanh()
y.backward()
print("x.grad", x.grad)
"""


def test_s_from_next_steps_reaches_the_ops_named_local_function(tmp_path: Path) -> None:
    output = pdb_session(tmp_path, STEPS, ["b 5", "c", *["s"] * 20])
    stops = stops_after_breakpoint(output)
    assert line_events_until(stops, re.compile(r"tanh_local")) <= 10


def test_s_from_backward_reaches_one_nodes_update_with_named_locals(tmp_path: Path) -> None:
    commands = ["b 5", "c", *["s"] * 13, "p node.op, grad", *["n"] * 5, "p local", "c"]
    output = pdb_session(tmp_path, BACKWARD, commands)
    stops = stops_after_breakpoint(output)
    assert line_events_until(stops, re.compile(r"_update")) <= 10
    assert "('tanh', 1.0)" in output  # the node and the upstream gradient, by name
    assert any(re.fullmatch(r"\(0\.\d+,\)", line) for line in output)  # tanh's local derivative
    expected = 3 * (1 - __import__("math").tanh(1.5) ** 2)
    assert f"x.grad {expected!r}" in output  # the debugger route gives backward()'s numbers
