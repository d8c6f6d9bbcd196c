"""Lint, format and type checks, run by the same test command as everything else so CI enforces them.

The tools and their settings come from pyproject.toml (``[tool.ruff]``, ``[tool.mypy]``); the versions are
pinned in the ``test`` extra so a new release's new rules cannot break an unchanged checkout.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import REPO

# ruff and mypy over the whole repository (mypy alone takes seconds): deselected by -m "not slow".
pytestmark = pytest.mark.slow

ROOT = REPO


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    module = args[0]
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed (pip install -e '.[test]' installs it)")
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def test_ruff_lint() -> None:
    result = _run("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = _run("ruff", "format", "--check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def installed_layout(into: Path) -> Path:
    """``auditor/`` as pip installs it: the core with ``rules/`` and ``reports/`` inside as ``auditor.rules`` and
    ``auditor.reports``, following ``[tool.setuptools] package-dir`` (symlinks, so errors name real lines).

    mypy cannot follow the import hook of an editable install, and checking ``rules/`` as a top-level package
    would type every ``auditor.rules`` import as ``Any``.
    """
    package_dir = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-dir"
    ]
    package = into / "auditor"
    package.mkdir()
    for entry in (ROOT / package_dir["auditor"]).iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    for name, source in package_dir.items():
        if name != "auditor":
            (into / name.replace(".", "/")).symlink_to(ROOT / source)
    return into


def test_mypy(tmp_path: Path) -> None:
    layout = installed_layout(tmp_path)
    result = _run(
        "mypy",
        "--no-incremental",
        "--cache-dir",
        str(tmp_path / ".mypy_cache"),
        "--config-file",
        str(ROOT / "pyproject.toml"),
        "-p",
        "auditor",
        cwd=layout,
    )
    assert result.returncode == 0, result.stdout + result.stderr
