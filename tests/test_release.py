"""A release that installs: sdist and wheel build, and the wheel works in a fresh venv."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

import autograd_lite

ROOT = Path(__file__).resolve().parent.parent
SUBPACKAGES = sorted(
    ".".join(p.relative_to(ROOT).parent.parts)
    for p in (ROOT / "autograd_lite").rglob("__init__.py")
)


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sdist and wheel built from a copy of the source (the work tree stays clean)."""
    pytest.importorskip("build", reason="the `build` package (the dev extra) is not installed")
    setuptools = pytest.importorskip("setuptools")
    if int(setuptools.__version__.split(".")[0]) < 77:
        pytest.skip(f"pyproject.toml needs setuptools >= 77, this has {setuptools.__version__}")
    tmp = tmp_path_factory.mktemp("release")
    source = tmp / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", "dist", ".*")
    shutil.copytree(ROOT / "autograd_lite", source / "autograd_lite", ignore=ignore)
    for name in ("pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md", "MANIFEST.in"):
        shutil.copy(ROOT / name, source / name)
    # No isolation: the build backend comes from this environment, so no network is needed.
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", tmp / "dist", ".", cwd=source)
    return tmp / "dist"


def test_the_version_is_written_in_one_place() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject
    assert re.search(r'version = \{ attr = "autograd_lite.__version__" \}', pyproject)
    assert not re.search(r'^version\s*=\s*"', pyproject, re.MULTILINE)
    assert f"## [{autograd_lite.__version__}]" in (ROOT / "CHANGELOG.md").read_text()


def test_sdist_and_wheel_carry_every_subpackage_and_py_typed(dist: Path) -> None:
    version = autograd_lite.__version__
    wheel = dist / f"autograd_lite-{version}-py3-none-any.whl"
    sdist = dist / f"autograd_lite-{version}.tar.gz"
    assert wheel.exists() and sdist.exists(), sorted(p.name for p in dist.iterdir())
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert "autograd_lite/py.typed" in names
    for package in SUBPACKAGES:
        assert f"{package.replace('.', '/')}/__init__.py" in names, package
    assert "autograd_lite/nn/serialization.py" in names
    with tarfile.open(sdist) as archive:
        members = archive.getnames()
    assert f"autograd_lite-{version}/CHANGELOG.md" in members


def test_the_wheel_installs_into_a_fresh_venv_and_runs(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    # numpy and graphviz come from this environment (a path line, not a package install):
    # the test needs no network and cannot pick up the source tree.
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                    cwd=tmp_path).strip())  # fmt: skip
    deps = {Path(sysconfig.get_paths()[k]) for k in ("purelib", "platlib")}
    (site / "deps.pth").write_text("".join(f"{d}\n" for d in sorted(deps)))
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
        "--quiet", wheel, cwd=tmp_path)  # fmt: skip
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}

    check = (
        "import importlib, pathlib, autograd_lite as ag\n"
        f"for name in {SUBPACKAGES!r}: importlib.import_module(name)\n"
        "from autograd_lite import Value, nn, losses, optim, data\n"
        "here = pathlib.Path(ag.__file__).parent\n"
        f"assert here.is_relative_to({str(site)!r}), here\n"
        "assert (here / 'py.typed').exists()\n"
        "x = Value(2.0); (x * x).backward(); assert x.grad == 4.0\n"
        "print(ag.__version__)\n"
    )
    assert run(python, "-c", check, cwd=tmp_path, env=clean).strip() == autograd_lite.__version__
    out = run(python, "-m", "autograd_lite", "example", cwd=tmp_path, env=clean)
    assert out.startswith("The textbook network, worked by autograd_lite")
