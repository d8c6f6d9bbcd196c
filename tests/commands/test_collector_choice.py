"""The CLI's process-level garbage-collector choice around the stages (``commands/evaluation.py``).

Why: the stages' CPU halves with the cyclic collector off while they run (docs/benchmarks.md, "Migration
readiness"), but a library caller of ``findings_for`` keeps the collector as it is, and the CLI turns it on
again once the findings document is built: the reports and the history are written with it on.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest
from factories import make_account, make_inventory, make_user

import auditor.engine.pipeline
from auditor.cli import main


def test_the_collector_is_off_during_the_stages_and_on_again_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inventory = tmp_path / "inventory.json"
    user = make_user("deployer", "210987654321")
    account = make_account("210987654321", "workloads", users=[user], groups=[], roles=[], managed_policies=[])
    make_inventory(accounts=[account]).save(inventory)
    seen: list[bool] = []
    findings_for = auditor.engine.pipeline.findings_for

    def watched(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return findings_for(*args, **kwargs)

    monkeypatch.setattr(auditor.engine.pipeline, "findings_for", watched)
    assert gc.isenabled()
    code = main(["scan", "--from-inventory", str(inventory), "--format", "json", "--output-dir", str(tmp_path / "o")])
    assert code == 0
    assert (tmp_path / "o" / "findings.json").exists()
    assert seen == [False]
    assert gc.isenabled()
