"""The autouse fixture in conftest.py really fails a test that leaks global state."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CONFTEST = Path(__file__).with_name("conftest.py")


@pytest.mark.parametrize(
    "leak, message",
    [
        ("x = ag.Value(1.0); x.register_hook(print); KEEP.append(x)", "with hooks are still alive"),
        ("ag.no_grad().__enter__()", "recording is off"),
        ("ag.detect_anomaly().__enter__()", "a monitor is still installed"),
        ("import sys; sys.settrace(lambda *a: None)", "a trace function is installed"),
    ],
)
def test_a_test_that_leaks_state_fails_and_the_next_one_is_clean(
    pytester: pytest.Pytester, leak: str, message: str
) -> None:
    shutil.copy(CONFTEST, pytester.path / "conftest.py")
    pytester.makepyfile(
        test_leaky=f"""
import autograd_lite as ag
KEEP = []

def test_leaks():
    {leak}

def test_after_is_clean():
    assert ag.is_grad_enabled() and not KEEP[1:]
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    assert message in result.stdout.str()
