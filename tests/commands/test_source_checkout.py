"""``python -m auditor`` from the repository's root, with a regular (non-editable) install.

Python puts the working directory first on ``sys.path``, so from the root it imports ``./auditor``, whose
``auditor.rules`` and ``auditor.reports`` are the sibling ``rules/`` and ``reports/`` (pip installs them inside
the package). ``auditor/__init__.py`` adds a finder for exactly those two names in a source checkout, and only
there. The subprocesses run with ``-S`` and the dependencies on ``PYTHONPATH``: no ``.pth`` file is processed, so
the editable install of the test environment cannot answer for them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

import auditor

SITE_PACKAGES = os.pathsep.join(p for p in sys.path if p.endswith("site-packages"))
WHERE = "import sys, auditor.reports.html, auditor.rules.access_keys; print(auditor.reports.html.__file__); "
FINDER_INSTALLED = "print(any(type(f).__name__ == '_SourceCheckoutPlugIns' for f in sys.meta_path))"


def python(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-S", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": SITE_PACKAGES},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def copy_tree(into: Path, layout: dict[str, str]) -> Path:
    """``layout``: destination (relative to ``into``) -> directory of the repository."""
    for destination, source in layout.items():
        shutil.copytree(REPO / source, into / destination, ignore=shutil.ignore_patterns("__pycache__"))
    return into


@pytest.mark.slow
def test_python_m_auditor_runs_from_a_source_checkout_s_root(tmp_path: Path) -> None:
    checkout = copy_tree(tmp_path / "checkout", {"auditor": "auditor", "rules": "rules", "reports": "reports"})

    helped = python("-m", "auditor", "--help", cwd=checkout)
    assert helped.returncode == 0, helped.stderr
    listed = python("-m", "auditor", "rules", cwd=checkout)
    assert listed.returncode == 0, listed.stderr
    assert "KEY-001" in listed.stdout  # the pack's modules were found through auditor.rules' __path__
    found = python("-c", WHERE + FINDER_INSTALLED, cwd=checkout)
    assert found.returncode == 0, found.stderr
    assert found.stdout.split() == [str(checkout / "reports" / "html.py"), "True"]


@pytest.mark.slow
def test_an_installed_package_adds_no_finder(tmp_path: Path) -> None:
    """Installed, ``rules`` and ``reports`` are inside the package; another distribution's ``rules`` and
    ``reports`` beside it (in site-packages) must not be mistaken for a checkout's."""
    site = copy_tree(tmp_path / "site", {"auditor": "auditor", "auditor/rules": "rules", "auditor/reports": "reports"})
    for other in ("rules", "reports"):
        (site / other).mkdir()
        (site / other / "__init__.py").write_text("raise ImportError('not the auditor')\n", encoding="utf-8")

    found = python("-c", WHERE + FINDER_INSTALLED, cwd=site)
    assert found.returncode == 0, found.stderr
    assert found.stdout.split() == [str(site / "auditor" / "reports" / "html.py"), "False"]


def test_the_finder_resolves_exactly_the_two_plug_ins() -> None:
    finder = auditor._SourceCheckoutPlugIns(str(REPO))
    for name in ("rules", "reports"):
        spec = finder.find_spec(f"auditor.{name}", None)
        assert spec is not None and spec.origin == str(REPO / name / "__init__.py")
        assert spec.submodule_search_locations == [str(REPO / name)]
    for other in ("auditor", "auditor.engine", "auditor.reports.html", "rules", "reports"):
        assert finder.find_spec(other, None) is None
