"""Every notebook in notebooks/ runs top to bottom, quickly, in a fresh kernel.

The notebooks are the first thing a learner opens, so they are tested like
code. Each ``notebooks/NN_name.ipynb`` is paired with a plain-text source
``notebooks/NN_name.py`` in jupytext's ``py:percent`` format (see
notebooks/README.md): the pair must hold the same cells, the ``.ipynb`` is
committed without outputs, and it is executed with nbclient in this
interpreter's ``python3`` kernel, from a temporary working directory (its
time is printed, not asserted). Every notebook found is tested, so a new one
needs no change here. Skipped when the notebook extra (jupytext, nbformat, nbclient, ipykernel) is
missing.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
SOURCES = sorted(NOTEBOOK_DIR.glob("[0-9]*.py"))
CELL_TIMEOUT = 600  # seconds: a guard against a hung cell, not a speed test (see below)
FORMAT = "py:percent"


def _runs_this_python(argv0: str) -> bool:
    """Whether a kernelspec's argv[0] starts the interpreter running these tests.

    jupyter_client replaces a bare ``python``/``python3``/``python3.X`` with
    ``sys.executable``; anything else must be this very executable (compared
    without resolving symlinks, since a venv's python links to the base one).
    """
    major, minor = sys.version_info[:2]
    if argv0 in {"python", f"python{major}", f"python{major}.{minor}"}:
        return True
    return os.path.abspath(argv0) == os.path.abspath(sys.executable)


@pytest.fixture(scope="module")
def python3_kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Make sure the ``python3`` kernel runs this interpreter, with headless matplotlib.

    ipykernel normally ships that kernelspec inside the environment; when the
    one found points elsewhere (or is missing), install a fresh one into a
    temporary prefix and put it first on JUPYTER_PATH.
    """
    pytest.importorskip("nbclient")
    pytest.importorskip("nbformat")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")  # the notebooks plot; all come with the extra
    from ipykernel.kernelspec import install
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    with pytest.MonkeyPatch.context() as env:
        # Inline is non-interactive: figures become PNG outputs, no window opens.
        env.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        try:
            argv0 = KernelSpecManager().get_kernel_spec("python3").argv[0]
        except NoSuchKernel:
            argv0 = ""
        if not _runs_this_python(argv0):
            prefix = tmp_path_factory.mktemp("kernelspec")
            install(kernel_name="python3", prefix=str(prefix))
            env.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"), prepend=os.pathsep)
            argv0 = KernelSpecManager().get_kernel_spec("python3").argv[0]
            assert _runs_this_python(argv0), f"the python3 kernel still starts {argv0!r}"
        yield "python3"


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, f"no notebooks found in {NOTEBOOK_DIR}"


def test_every_notebook_and_every_source_has_its_pair() -> None:
    assert sorted(p.stem for p in NOTEBOOKS) == sorted(p.stem for p in SOURCES), (
        "each notebooks/NN_name.ipynb needs notebooks/NN_name.py and the other way round; "
        "make the missing one with `jupytext --sync notebooks/NN_name.py` (see notebooks/README.md)"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_in_sync_with_its_source_and_has_no_outputs(path: Path) -> None:
    jupytext = pytest.importorskip("jupytext")
    nbformat = pytest.importorskip("nbformat")
    source = path.with_suffix(".py")
    assert source.exists(), f"{path.name} has no plain-text source {source.name}"
    text = source.read_text(encoding="utf-8")
    assert "format_name: percent" in text and f"formats: ipynb,{FORMAT}" in text, (
        f"{source.name} is not a jupytext {FORMAT} source paired with {path.name}"
    )
    committed = nbformat.read(path, as_version=4)
    assert committed.metadata.get("jupytext", {}).get("formats") == f"ipynb,{FORMAT}"
    paired = jupytext.reads(text, fmt=FORMAT)
    cells = [(c.cell_type, c.source) for c in committed.cells]
    assert cells == [(c.cell_type, c.source) for c in paired.cells], (
        f"{path.name} and {source.name} differ; edit {source.name}, then run "
        f"`jupytext --sync notebooks/{source.name}`"
    )
    with_outputs = [
        i for i, c in enumerate(committed.cells) if c.get("outputs") or c.get("execution_count")
    ]
    assert not with_outputs, f"{path.name} has stored outputs in cells {with_outputs}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path: Path, python3_kernel: str, tmp_path: Path) -> None:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=python3_kernel,
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(tmp_path)}},  # files it writes land here
    )
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError naming the cell on any error
    elapsed = time.perf_counter() - start
    # Speed is measured, not asserted: the time is reported (pytest -s, or -rA).
    print(f"\n{path.name}: {elapsed:.1f} s, kernel start included")
