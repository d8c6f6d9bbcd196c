"""The built-in rules run in the auditor's process, beside one shared inventory (third-party packs run in their
own: tests/commands/test_hostile_packs.py). Rather than a read-only view, this proves that evaluating and assessing
readiness leave the inventory as they found it: its JSON is hashed before and after, over the demo and every demo
scenario. A built-in rule that mutated the inventory would change what the rules after it see (issue 20)."""

from __future__ import annotations

import hashlib

import pytest

from auditor.demo.scan import demo_inventory
from auditor.demo.scenarios import SCENARIOS
from auditor.engine.config import Config
from auditor.engine.pipeline import findings_for
from auditor.inventory import Inventory
from auditor.registry import load_rules
from auditor.rules import BUILTIN_PACK


def _digest(inventory: Inventory) -> str:
    return hashlib.sha256(inventory.dump_json().encode("utf-8", "surrogatepass")).hexdigest()


@pytest.mark.parametrize("scenario", [None, *SCENARIOS])
def test_no_built_in_rule_nor_readiness_mutates_the_inventory(scenario: str | None) -> None:
    inventory = demo_inventory(scenario=SCENARIOS[scenario] if scenario else None)
    before = _digest(inventory)
    ruleset = load_rules([BUILTIN_PACK], use_entry_points=False)

    document = findings_for(inventory, ruleset, Config())

    assert document.findings  # the rules did run over something
    assert {r.id for r in ruleset.rules} <= {s.id for s in document.rules if s.status == "evaluated"} | {
        s.id for s in document.rules if s.status == "not_evaluated"
    }
    assert _digest(inventory) == before
