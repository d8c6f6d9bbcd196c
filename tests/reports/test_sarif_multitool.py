"""The demo's SARIF through Microsoft's SARIF multitool, the validator GitHub's own documentation points to.

``Sarif.Multitool validate --rule-kind "Sarif;Gh"`` runs the SARIF specification's rules and GitHub's ingestion
rules (GH...: what code scanning rejects or silently ignores). The demo's log must raise no error and no
warning (notes, e.g. "no source snippet in the region", are advice a cloud finding cannot follow).

Where the tool is found, in this order: the ``SARIF_MULTITOOL`` environment variable (the path of the
``Sarif.Multitool`` binary), then ``Sarif.Multitool`` on ``PATH``. Install it with
``npm install --prefix /tmp/sarif-mt @microsoft/sarif-multitool`` (the binary is then
``/tmp/sarif-mt/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool``; call it directly, the npm
wrapper passes arguments through a shell). ``.ci/run`` installs it and sets ``AUDITOR_REQUIRE_SARIF_MULTITOOL=1``,
so in CI a missing tool fails the test instead of skipping it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from auditor.demo.scan import demo_inventory
from auditor.engine.config import Config
from auditor.engine.pipeline import findings_for
from auditor.registry import load_rules
from auditor.reports.sarif import SarifReporter
from auditor.rules import BUILTIN_PACK

# Microsoft's SARIF multitool (a .NET program) in a subprocess: deselected by -m "not slow".
pytestmark = pytest.mark.slow

BINARY = "Sarif.Multitool"


def multitool() -> str | None:
    configured = os.environ.get("SARIF_MULTITOOL")
    if configured:
        return configured if Path(configured).is_file() else None
    return shutil.which(BINARY)


def test_demo_sarif_passes_the_multitool_with_sarif_and_github_rules(tmp_path: Path) -> None:
    tool = multitool()
    if tool is None:
        message = f"SARIF multitool not found (set SARIF_MULTITOOL or put {BINARY} on PATH)"
        if os.environ.get("AUDITOR_REQUIRE_SARIF_MULTITOOL") == "1":
            pytest.fail(message)
        pytest.skip(message)
    document = findings_for(demo_inventory(), load_rules([BUILTIN_PACK]), Config())
    sarif = tmp_path / "demo.sarif"
    sarif.write_bytes(SarifReporter().render(document))
    output = tmp_path / "validation.sarif"
    finished = subprocess.run(
        [tool, "validate", "--rule-kind", "Sarif;Gh", "--log", "ForceOverwrite", "--output", str(output), str(sarif)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert output.is_file(), finished.stdout + finished.stderr
    results = json.loads(output.read_text(encoding="utf-8"))["runs"][0].get("results", [])
    # A result without "level" is a warning (SARIF's default level).
    problems = [r for r in results if r.get("level", "warning") in ("error", "warning")]
    assert not problems, "\n".join(f"{r['ruleId']}: {r['message']}" for r in problems)
    assert finished.returncode == 0, finished.stdout + finished.stderr
