"""Each finding's remediation names its own user, key, account, role or permission set.

The demo organization's findings (from the saved demo inventory in tests/fixtures) are checked one by one: every
finding has console steps, and no ``<fact_name>`` placeholder is left for a fact the finding knows. Placeholders
that remain name a choice the reader makes (``<group-id>``, ``<permission-set-arn>``: hyphens, by convention).
"""

from __future__ import annotations

import re

import pytest
from conftest import FIXTURES

from auditor.engine.config import Config
from auditor.engine.pipeline import findings_for
from auditor.findings import Finding, Remediation
from auditor.inventory import Inventory
from auditor.registry import load_rules
from auditor.reports.sarif import build_sarif
from auditor.rules import BUILTIN_PACK

FACT_PLACEHOLDER = re.compile(r"<([a-z]+_[a-z_]+)>")


@pytest.fixture(scope="module")
def findings() -> list[Finding]:
    inventory = Inventory.load(FIXTURES / "demo-inventory.json")
    return findings_for(inventory, load_rules([BUILTIN_PACK]), Config()).findings


def everything(fix: Remediation) -> str:
    return "\n".join([*fix.console, *fix.cli, fix.terraform or ""])


def test_every_builtin_rule_has_a_structured_fix() -> None:
    rules = load_rules([BUILTIN_PACK]).rules
    assert [r.id for r in rules if r.fix is None or not r.fix.console] == []
    # A value the reader chooses is written <with-hyphens>: <word> and <fact_name> mean a field of the template.
    for r in rules:
        assert r.fix is not None
        raw = [line if isinstance(line, str) else line.text for line in (*r.fix.console, *r.fix.cli)]
        assert re.findall(r"<[a-z][a-z0-9_]*>", "\n".join([*raw, r.fix.terraform])) == [], r.id


def test_every_demo_finding_names_its_own_resources(findings: list[Finding]) -> None:
    assert len({f.rule_id for f in findings}) >= 20
    for f in findings:
        assert f.fix is not None and f.fix.console, f.rule_id
        text = everything(f.fix)
        assert FACT_PLACEHOLDER.findall(text) == [], f"{f.rule_id} {f.resource_id}: {text}"
        user = f.evidence.get("user_name")
        if user and f.resource_type.startswith("AWS::IAM::"):
            assert user in text, f.rule_id
        if f.resource_type == "AWS::IAM::AccessKey":
            assert f.resource_id in text and f.resource_id in " ".join(f.fix.cli)
        for name in ("role_name", "permission_set_name"):
            if f.evidence.get(name):
                assert f.evidence[name] in text, (f.rule_id, name)
        if f.rule_id.startswith(("ROOT-", "ORG-001", "IDC-002")):
            assert f.account_id in text, f.rule_id


def test_key_commands_are_one_per_line_with_the_key_id(findings: list[Finding]) -> None:
    [admin_key] = [f for f in findings if f.rule_id == "KEY-001" and f.evidence["user_name"] == "admin"]
    key = admin_key.resource_id
    assert admin_key.fix is not None
    assert admin_key.fix.cli == [
        f"aws cloudtrail lookup-events --lookup-attributes AttributeKey=AccessKeyId,AttributeValue={key}",
        f"aws iam update-access-key --user-name admin --access-key-id {key} --status Inactive",
        f"aws iam delete-access-key --user-name admin --access-key-id {key}",
    ]


def test_sarif_rule_help_has_fenced_commands_and_results_carry_their_own_fix() -> None:
    inventory = Inventory.load(FIXTURES / "demo-inventory.json")
    document = findings_for(inventory, load_rules([BUILTIN_PACK]), Config())
    run = build_sarif(document)["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    fenced = rules["KEY-001"]["help"]["markdown"].split("```sh\n", 1)[1].split("```", 1)[0]
    assert "aws iam update-access-key --user-name <user_name> --access-key-id <access_key_id> --status Inactive" in (
        fenced.splitlines()
    )
    assert '```hcl\nresource "aws_iam_role"' in rules["ROLE-001"]["help"]["markdown"]
    key_results = [r for r in run["results"] if r["ruleId"] == "KEY-001"]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in key_results]
    assert len(set(uris)) == len(uris) == 3  # one alert per key, the key id in its location
    for result, uri in zip(key_results, uris, strict=True):
        key = result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
        assert key.startswith("AKIA") and uri.endswith(key)
        assert key in " ".join(result["properties"]["remediation"]["cli"])
