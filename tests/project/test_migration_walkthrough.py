"""docs/migration.md's "3. Work the plan" runs as written: its `auditor readiness` block (after the
``plan-walkthrough`` marker) is run with this interpreter and its files checked; the guard lines it shows (after
``plan-guard``) are lines of the demo plan, which tests/readiness/test_plan.py runs against a moto organization;
the SCP it shows (after ``plan-scp``) is the document the plan suggests. The sso-config block of step 3 is another
test's."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from auditor.demo.scan import demo_inventory
from auditor.engine.config import Config
from auditor.readiness.assess import assess_readiness
from auditor.readiness.plan import build_plan

GUIDE = REPO / "docs" / "migration.md"


def block(marker: str) -> str:
    """The fenced block after ``<!-- MARKER:``."""
    text = GUIDE.read_text(encoding="utf-8")
    after = text[text.index(f"<!-- {marker}:") :]
    body = after[after.index("```") :]
    body = body[body.index("\n") + 1 :]
    return body[: body.index("```")]


@pytest.mark.slow  # the whole CLI in a subprocess, building the demo
def test_the_walkthrough_block_runs_as_written(tmp_path: Path) -> None:
    (command,) = block("plan-walkthrough").strip().splitlines()
    argv = shlex.split(command)
    assert argv[0] == "auditor"
    finished = subprocess.run(
        [sys.executable, "-m", "auditor", *argv[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert finished.returncode == 0, finished.stderr
    out = tmp_path / "plan"
    assert {p.name for p in out.iterdir()} == {"inventory.json", "migration-plan.md", "migration-plan.csv"}
    markdown = (out / "migration-plan.md").read_text(encoding="utf-8")
    assert "--from-inventory plan/inventory.json" in markdown
    assert "**prepare**, identity-center (not before 2027-01-04)" in markdown
    assert "**irreversible**, people (not before 2027-01-11)" in markdown


def test_the_guard_and_scp_blocks_are_the_demo_plans() -> None:
    inventory = demo_inventory()
    plan = build_plan(inventory, assess_readiness(inventory, Config()))
    printed = {line for s in plan.steps for text in (s.command, s.rollback) for line in (text or "").splitlines()}
    guard = block("plan-guard").strip().splitlines()
    assert len(guard) == 2
    assert set(guard) <= printed
    scp = json.loads(block("plan-scp"))
    assert all(json.loads(s.document or "") == scp for s in plan.suggestions)
    assert plan.suggestions
