"""What ``pip install`` puts into site-packages: exactly one import package, ``auditor``.

The repository keeps its designed top level (``rules/`` and ``reports/`` next to ``auditor/``); pyproject's
``package-dir`` installs them as ``auditor.rules`` and ``auditor.reports``. Names as common as ``rules`` and
``reports`` must never land in site-packages, where they would overwrite (or be overwritten by) another
distribution's package of the same name.

The wheel is built offline from a clean copy of the sources (setuptools builds in place, and a stale ``build/``
directory would leak removed modules into the wheel), then installed into a fresh virtual environment.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO

# Builds the wheel and installs it into a fresh virtual environment (seconds): deselected by -m "not slow".
pytestmark = pytest.mark.slow

ROOT = REPO
NOT_SOURCES = (".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "auditor-report")


def run(*args: str | Path, cwd: Path) -> str:
    finished = subprocess.run(
        [str(arg) for arg in args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return finished.stdout


def build_wheel(tmp_path: Path) -> Path:
    sources = tmp_path / "src"
    shutil.copytree(ROOT, sources, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    wheels = tmp_path / "dist"
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", wheels, ".",
        cwd=sources)  # fmt: skip
    [wheel] = wheels.glob("*.whl")
    return wheel


def site_packages(python: Path, cwd: Path) -> Path:
    return Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=cwd).strip())


def test_wheel_installs_only_the_auditor_package(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    top_level = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert top_level == {"auditor", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    site = site_packages(python, tmp_path)
    before = set(p.name for p in site.iterdir())
    run(python, "-m", "pip", "install", "--no-deps", "--no-index", "--disable-pip-version-check", wheel, cwd=tmp_path)
    added = set(p.name for p in site.iterdir()) - before

    assert added == {"auditor", "aws_identity_auditor-0.1.0.dist-info"}
    assert (site / "auditor" / "rules" / "__init__.py").is_file()
    assert (site / "auditor" / "reports" / "templates" / "report.html.j2").is_file()
    # Run outside the repository, so nothing but the installed copy can be found. Finding a subpackage imports
    # only ``auditor/__init__.py``, which needs none of the (uninstalled) dependencies.
    probe = (
        "import importlib.util as u, json; "
        "print(json.dumps({n: bool(u.find_spec(n)) for n in ('auditor.rules', 'auditor.reports', 'rules', 'reports')}))"
    )
    found = json.loads(run(python, "-c", probe, cwd=tmp_path))
    assert found == {"auditor.rules": True, "auditor.reports": True, "rules": False, "reports": False}
