"""The README's Python examples run, in order, as a reader would paste them.

Each ```python block runs in one shared namespace (later blocks use names the
earlier ones made), from a temporary directory. A block that shows an error
on purpose says so in a comment (``# AnomalyError: ...``); it must raise just
that error.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

import autograd_lite as ag

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_the_readme_has_examples() -> None:
    assert len(BLOCKS) >= 8


def test_every_readme_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("numpy")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict[str, object] = {}
    ops_before = set(ag.OPS)
    try:
        run_blocks(namespace)
    finally:  # the README defines ops (ag.defop); they must not outlive the test
        for name in set(ag.OPS) - ops_before:
            del ag.core.ops._OPS[name]


def run_blocks(namespace: dict[str, object]) -> None:
    for number, block in enumerate(BLOCKS):
        shown = re.search(r"^# (\w+Error): ", block, re.M)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(block, f"README.md python block {number}", "exec"), namespace)
        except Exception as error:
            if shown is None or type(error).__name__ != shown.group(1):
                raise AssertionError(f"README block {number} failed:\n{block}") from error
        else:
            assert shown is None, f"README block {number} should raise {shown.group(1)}"
