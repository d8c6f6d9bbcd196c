"""Installed distributions as importlib.metadata sees them, without pip: a package plus ``<name>-0.1.dist-info``
with METADATA and entry_points.txt, on a sys.path entry. Exactly what pip leaves in site-packages, without the
time or network an install would cost."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest


def install_distribution(
    site: Path, monkeypatch: pytest.MonkeyPatch, name: str, module_source: str, group: str, target: str
) -> None:
    """Lay out distribution ``name`` whose package is ``module_source``, exposing ``name:target`` in ``group``."""
    (site / name).mkdir(parents=True)
    (site / name / "__init__.py").write_text(module_source, encoding="utf-8")
    dist_info = site / f"{name}-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n", encoding="utf-8")
    (dist_info / "entry_points.txt").write_text(f"[{group}]\n{name} = {name}:{target}\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, name, raising=False)
