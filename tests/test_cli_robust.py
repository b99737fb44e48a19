"""The command line never shows a traceback: bad flags, broken pipes, Ctrl-C, failed writes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TINY_DEMO = ["--steps", "3", "--hidden", "4", "--samples", "20"]


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


def cli(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autograd_lite", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=kwargs.pop("env", env()),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[call-overload]
    )


def long_demo(tmp_path: Path) -> list[str]:
    """A demo that trains for minutes: there is time to interrupt it."""
    return [sys.executable, "-m", "autograd_lite", "demo", "--steps", "100000", "--hidden", "8",
            "--out", str(tmp_path / "g.svg")]  # fmt: skip


BAD_ARGS = [
    ["demo", "--seed", "-1"],
    ["demo", "--seed", "1.5"],
    ["demo", "--seed", "1e3"],
    ["demo", "--seed", "9" * 30],
    ["demo", "--seed", "9" * 5000],
    ["demo", "--steps", "-3"],
    ["demo", "--steps", "99999999999999999999"],
    ["demo", "--steps", ""],
    ["demo", "--samples", "1"],
    ["demo", "--samples", "1000000000"],
    ["demo", "--hidden", "16,,16"],
    ["demo", "--hidden", "5000"],
    ["demo", "--hidden", ",".join(["2"] * 40)],
    ["demo", "--hidden", "-4"],
    ["demo", "--lr", "0"],
    ["demo", "--lr", "inf"],
    ["demo", "--lr", "1e999"],
    ["demo", "--lr", "nan"],
    ["demo", "--lr", "1e300"],
    ["demo", "--lr", "fast"],
    ["demo", "--out", "/nonexistent/x.svg"],
    ["demo", "--out", ""],
    ["demo", "--out", "/"],
    ["demo", "--steps"],
    ["example", "--lr", "-inf"],
    ["example", "--lr", "1e400"],
    ["example", "extra"],
    ["--bogus"],
]


@pytest.mark.parametrize("args", BAD_ARGS, ids=[" ".join(a)[:40] for a in BAD_ARGS])
def test_every_bad_flag_or_value_is_a_one_line_usage_error(args: list[str]) -> None:
    result = cli(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and errors[0] == result.stderr.splitlines()[-1]
    assert result.stderr.splitlines()[0].startswith("usage:")


def test_a_graph_that_cannot_be_written_is_an_error_exit(tmp_path: Path) -> None:
    if not __import__("shutil").which("dot"):
        pytest.skip("Graphviz's dot is not installed: the demo writes no graph at all")
    result = cli("demo", *TINY_DEMO, "--out", "/proc/version")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "python -m autograd_lite demo: error: the graph was not written to /proc/version"
    )


@pytest.mark.parametrize("command", [["demo", *TINY_DEMO], ["example"], ["--help"]])
def test_a_closed_pipe_ends_quietly_with_status_0(command: list[str], tmp_path: Path) -> None:
    shell = (
        f"{sys.executable} -m autograd_lite {' '.join(command)} --out {tmp_path / 'g.svg'}"
        if command[0] == "demo"
        else f"{sys.executable} -m autograd_lite {' '.join(command)}"
    )
    result = subprocess.run(
        ["bash", "-c", f"{shell} 2>{tmp_path / 'err'} | head -1; exit ${{PIPESTATUS[0]}}"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env(),
    )
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 1
    assert (tmp_path / "err").read_text() == ""


# A stand-in for Ctrl-C (or a crash) at an exact point of start-up: a finder that raises
# when a chosen module is imported, installed by sitecustomize before anything else runs.
SITECUSTOMIZE = """
import os, sys
target, kind = os.environ["AGL_FAIL_AT"], os.environ["AGL_FAIL_WITH"]
class Fail:
    def find_spec(self, name, path=None, module=None):
        if name == target:
            raise KeyboardInterrupt if kind == "interrupt" else RuntimeError("disk on fire")
        return None
sys.meta_path.insert(0, Fail())
"""


def failing_at(tmp_path: Path, module: str, kind: str) -> dict[str, str]:
    (tmp_path / "sitecustomize.py").write_text(SITECUSTOMIZE)
    return env(PYTHONPATH=f"{tmp_path}{os.pathsep}{ROOT}", AGL_FAIL_AT=module, AGL_FAIL_WITH=kind)


# The first is loaded by the package itself, before `python -m`'s __main__ runs.
STARTUP = [
    "autograd_lite.core.backward",
    "autograd_lite.cli",
    "argparse",
    "autograd_lite.cli.demo",
    "numpy",
    "graphviz",
]


@pytest.mark.parametrize("module", STARTUP)
def test_ctrl_c_anywhere_in_start_up_exits_130_without_a_traceback(
    tmp_path: Path, module: str
) -> None:
    svg = str(tmp_path / "g.svg")
    result = cli("demo", *TINY_DEMO, "--out", svg, env=failing_at(tmp_path, module, "interrupt"))
    assert result.returncode == 130
    assert "Traceback" not in result.stderr


def test_another_python_m_tool_importing_the_package_keeps_its_own_ctrl_c(
    tmp_path: Path,
) -> None:
    # Only `python -m autograd_lite` turns a Ctrl-C during the package's import into 130.
    tool = tmp_path / "tool"
    tool.mkdir()
    (tool / "__init__.py").write_text(
        "try:\n    import autograd_lite\nexcept KeyboardInterrupt:\n"
        "    print('tool: caught it')\n    raise SystemExit(7)\n"
    )
    (tool / "__main__.py").write_text("")
    result = subprocess.run(
        [sys.executable, "-m", "tool"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=failing_at(tmp_path, "autograd_lite.core.backward", "interrupt"),
    )
    assert result.returncode == 7 and result.stdout == "tool: caught it\n"


def test_an_unexpected_error_is_one_line_and_exit_1(tmp_path: Path) -> None:
    svg = str(tmp_path / "g.svg")
    result = cli("demo", *TINY_DEMO, "--out", svg, env=failing_at(tmp_path, "numpy", "error"))
    assert result.returncode == 1
    assert result.stderr == "python -m autograd_lite: error: RuntimeError: disk on fire\n"


# Ctrl-C whose KeyboardInterrupt never reaches the command line: a finalizer only
# prints "Exception ignored", and numpy interrupted while its C core loads reports an
# ImportError (which `try: import numpy` takes for "no numpy"). The stand-in presses
# Ctrl-C for real when the chosen module is imported, then swallows the exception.
SWALLOWING = """
import os, signal, sys
target, kind = os.environ["AGL_FAIL_AT"], os.environ["AGL_SWALLOW_AS"]
class Finalizer:
    def __del__(self):
        signal.raise_signal(signal.SIGINT)  # Python prints "Exception ignored" and goes on
class Swallow:
    def find_spec(self, name, path=None, module=None):
        if name == target:
            sys.meta_path.remove(self)
            if kind == "finalizer":
                Finalizer()
                return None
            try:
                signal.raise_signal(signal.SIGINT)
            except KeyboardInterrupt:
                if kind == "import-error":
                    raise ImportError("PyCapsule_Import could not import module 'datetime'")
        return None
sys.meta_path.insert(0, Swallow())
"""


@pytest.mark.parametrize("kind", ["import-error", "ignored", "finalizer"])
@pytest.mark.parametrize("module", ["numpy", "graphviz"])
def test_a_ctrl_c_whose_exception_was_swallowed_still_exits_130(
    tmp_path: Path, module: str, kind: str
) -> None:
    # numpy loads before training: the long demo must stop at its next step, not
    # train on for minutes. graphviz loads at the end, after a short run.
    (tmp_path / "sitecustomize.py").write_text(SWALLOWING)
    svg = str(tmp_path / "g.svg")
    command = (
        long_demo(tmp_path)
        if module == "numpy"
        else [sys.executable, "-m", "autograd_lite", "demo", *TINY_DEMO, "--out", svg]
    )
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        env=env(
            PYTHONPATH=f"{tmp_path}{os.pathsep}{ROOT}", AGL_FAIL_AT=module, AGL_SWALLOW_AS=kind
        ),
    )
    assert result.returncode == 130, result.stderr
    assert result.stderr.strip() == "interrupted"


def test_ctrl_c_during_training_exits_130_with_one_word(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        long_demo(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )
    try:
        assert proc.stdout is not None
        proc.stdout.readline()  # "Training MLP(...)": start-up is over, training has begun
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert err.strip() == "interrupted"


# Tells the test the moment `python -m autograd_lite` starts running our code: the
# import of autograd_lite.cli. (Before it, the interpreter and the package import run;
# a Ctrl-C there is Python's own business and out of our reach.)
SIGNAL_READY = """
import os, sys
def hook(event, args):
    if event == "import" and args[0] == "autograd_lite.cli":
        open(os.environ["AGL_READY"], "w").close()
sys.addaudithook(hook)
"""


@pytest.mark.parametrize("delay", [0.0, 0.01, 0.03, 0.08, 0.15, 0.3, 0.6])
def test_a_real_ctrl_c_at_any_moment_exits_130_without_a_traceback(
    tmp_path: Path, delay: float
) -> None:
    (tmp_path / "sitecustomize.py").write_text(SIGNAL_READY)
    ready = tmp_path / "ready"
    proc = subprocess.Popen(
        long_demo(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env(PYTHONPATH=f"{tmp_path}{os.pathsep}{ROOT}", AGL_READY=str(ready)),
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.001)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert "Traceback" not in err
