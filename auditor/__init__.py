"""Identity security posture auditor for AWS Organizations.

Data flows one way: collect -> Inventory -> evaluate -> Findings -> report.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType

__version__ = "0.1.0"
TOOL_NAME = "aws-identity-auditor"
# The project's home page (README): SARIF's driver informationUri. pyproject.toml's [project.urls] Homepage is the
# same address (tests/project/test_packaging.py keeps the two equal).
HOMEPAGE = "https://github.com/aws-identity-auditor/aws-identity-auditor#readme"

_PLUG_INS = ("rules", "reports")  # installed as auditor.rules and auditor.reports (pyproject's package-dir)


class _SourceCheckoutPlugIns:
    """A meta path finder for ``auditor.rules`` and ``auditor.reports`` when ``auditor`` is a source checkout's.

    Why: the repository keeps ``rules/`` and ``reports/`` beside ``auditor/``, and pip installs them inside it
    (pyproject's package-dir). But ``python -m auditor`` puts the working directory first on ``sys.path``, so
    from the repository's root Python imports ``./auditor``, not the installed package, and ``./auditor`` holds
    neither: with a regular install, every command failed with ``No module named 'auditor.reports'``.

    It resolves exactly those two names, to the sibling directories; their modules follow through ``__path__``.
    It is appended to ``sys.meta_path``, so it answers only what no other finder found (an editable install's
    finder answers first, with the same directories), and an installed package, which holds both, never adds it.
    """

    def __init__(self, root: str) -> None:
        self.directories = {f"{__name__}.{name}": os.path.join(root, name) for name in _PLUG_INS}

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None, /
    ) -> ModuleSpec | None:
        directory = self.directories.get(fullname)
        if directory is None:
            return None
        from importlib.util import spec_from_file_location

        init = os.path.join(directory, "__init__.py")
        return spec_from_file_location(fullname, init, submodule_search_locations=[directory])


def _find_plug_ins_beside_a_source_checkout() -> None:
    package = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(package)
    inside = any(os.path.exists(os.path.join(package, name)) for name in _PLUG_INS)
    beside = all(os.path.isfile(os.path.join(root, name, "__init__.py")) for name in _PLUG_INS)
    if beside and not inside:
        sys.meta_path.append(_SourceCheckoutPlugIns(root))


_find_plug_ins_beside_a_source_checkout()
