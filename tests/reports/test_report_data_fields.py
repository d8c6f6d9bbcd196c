"""The fields every reporter reads instead of working things out itself: ``Finding.display_name`` (one short
name for a resource, the same in findings.json, SARIF, the console table and report.html) and the simulated
facts (``FindingsDocument.simulated``, ``Finding.simulated``), shown by every format with no "simulated: ..."
notice anywhere. The document is made by the real evaluation, so the names are the ones a scan writes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from factories import DEV, MGMT, PROD, fake_key_id, make_inventory
from html_checks import data_block

from auditor.engine.config import Config
from auditor.engine.pipeline import findings_for
from auditor.findings import FileLocation, FindingsDocument, SimulatedFact
from auditor.inventory import Inventory
from auditor.registry import RuleSet
from auditor.reports.html import HtmlReporter
from auditor.reports.json_report import JsonReporter
from auditor.reports.sarif import SarifReporter
from auditor.reports.table import render_text
from auditor.rule import Hit, RuleContext, rule

KEY = fake_key_id("EXAMPLECIKEY0001")
PERMISSION_SET = "arn:aws:sso:::permissionSet/ssoins-7223a1b2c3d4e5f6/ps-0123456789abcdef"
ROOT_NOTE = f"prod ({PROD}): the root user row of the credential report is simulated"
OTHER_ROOT_NOTE = f"dev ({DEV}): the root user row of the credential report is simulated"
ORGANIZATION_NOTE = "dropped 1 iam:ListOrganizationsFeatures error(s): the demo organization has none"

# rule id -> the display name its one finding must have
EXPECTED_NAMES = {
    "DATA-001": f"ci {KEY}",  # an access key: its user, then its id
    "DATA-002": "AdministratorAccess",  # a permission set: its name (the ARN carries an id)
    "DATA-003": "src/deploy.py:12",  # a file finding: path and line
    "DATA-004": "deploy",  # a plain ARN: its last part
    "DATA-005": "root",  # PROD's root user, which rests on a simulated fact
}


def _probe(rule_id: str, hit: Hit) -> Any:
    @rule(id=rule_id, title=f"probe {rule_id}", severity="high", area="test", rationale="r", remediation="f")
    def check(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
        yield hit

    return check


def _hits() -> dict[str, Hit]:
    return {
        "DATA-001": Hit(
            account_id=DEV,
            resource_type="AWS::IAM::AccessKey",
            resource_id=KEY,
            message="an access key",
            evidence={"access_key_id": KEY, "user_name": "ci", "user_arn": f"arn:aws:iam::{DEV}:user/ci"},
        ),
        "DATA-002": Hit(
            account_id=MGMT,
            resource_type="AWS::SSO::PermissionSet",
            resource_id=PERMISSION_SET,
            message="a permission set",
            evidence={"permission_set_name": "AdministratorAccess"},
        ),
        "DATA-003": Hit(
            account_id=None,
            resource_type="Local::SourceFile",
            resource_id="src/deploy.py",
            message="a key id in a source file",
            location=FileLocation(path="src/deploy.py", line=12, column=5),
        ),
        "DATA-004": Hit(
            account_id=DEV,
            resource_type="AWS::IAM::Role",
            resource_id=f"arn:aws:iam::{DEV}:role/team/deploy",
            message="a role",
        ),
        "DATA-005": Hit(
            account_id=PROD,
            resource_type="AWS::IAM::Root",
            resource_id=f"arn:aws:iam::{PROD}:root",
            message="the root user",
        ),
    }


@pytest.fixture(scope="module")
def document() -> FindingsDocument:
    inventory = make_inventory()
    inventory.collection = inventory.collection.model_copy(
        update={
            "simulated": [
                SimulatedFact(account_id=PROD, resource_types=("AWS::IAM::Root",), note=ROOT_NOTE),
                SimulatedFact(account_id=DEV, resource_types=("AWS::IAM::Root",), note=OTHER_ROOT_NOTE),
                SimulatedFact(resource_types=("AWS::Organizations::Organization",), note=ORGANIZATION_NOTE),
            ]
        }
    )
    ruleset = RuleSet(rules=[_probe(rule_id, hit) for rule_id, hit in _hits().items()])
    return findings_for(inventory, ruleset, Config(), generated_at=datetime(2026, 1, 1, tzinfo=UTC))


def by_rule(document: FindingsDocument) -> dict[str, Any]:
    return {f.rule_id: f for f in document.findings}


# ------------------------------------------------------------------------------------------ display name


def test_evaluation_gives_each_finding_its_display_name(document: FindingsDocument) -> None:
    assert {rule_id: f.display_name for rule_id, f in by_rule(document).items()} == EXPECTED_NAMES


def test_every_report_shows_the_same_display_name(document: FindingsDocument) -> None:
    rule_of = {f.fingerprint: f.rule_id for f in document.findings}

    in_json = {f["rule_id"]: f["display_name"] for f in json.loads(JsonReporter().render(document))["findings"]}

    results = json.loads(SarifReporter().render(document))["runs"][0]["results"]
    in_sarif = {r["ruleId"]: r["locations"][0]["logicalLocations"][0]["name"] for r in results}

    payload = json.loads(data_block(HtmlReporter().render(document).decode()))
    in_html = {rule_of[f["p"]]: f["n"] for f in payload["findings"]}

    table = render_text(document, width=200)
    rows = [re.split(r"\s{2,}", line) for line in table.splitlines() if re.match(r"^(critical|high)\b", line)]
    in_table = {row[1]: row[3] for row in rows}  # severity, rule, account, resource, finding

    assert in_json == in_sarif == in_html == in_table == EXPECTED_NAMES


def test_fix_first_names_come_from_the_field(document: FindingsDocument) -> None:
    from auditor.reports.html import fix_first

    actions, _ = fix_first(document.findings)
    names = {action.findings[0].rule_id: action.name for action in actions}
    # an access key is listed under its user: the user's name, from the evidence
    assert names == {**EXPECTED_NAMES, "DATA-001": "ci"}


# -------------------------------------------------------------------------------------------- simulated


def test_a_finding_names_the_simulated_facts_of_its_account_and_type(document: FindingsDocument) -> None:
    findings = by_rule(document)
    assert findings["DATA-005"].simulated == [ROOT_NOTE]  # not DEV's root fact: another account
    assert [rule_id for rule_id, f in findings.items() if f.simulated] == ["DATA-005"]
    assert [fact.note for fact in document.simulated] == [ROOT_NOTE, OTHER_ROOT_NOTE, ORGANIZATION_NOTE]
    assert not any(notice.startswith("simulated") for notice in document.notices)


def test_findings_json_carries_the_facts_not_notices(document: FindingsDocument) -> None:
    data = json.loads(JsonReporter().render(document))
    assert data["simulated"][0] == {"account_id": PROD, "resource_types": ["AWS::IAM::Root"], "note": ROOT_NOTE}
    assert data["simulated"][2]["account_id"] is None
    assert not any("simulated" in notice for notice in data["notices"])
    root = next(f for f in data["findings"] if f["rule_id"] == "DATA-005")
    assert root["simulated"] == [ROOT_NOTE]


def test_sarif_has_a_simulated_notification_per_fact(document: FindingsDocument) -> None:
    run = json.loads(SarifReporter().render(document))["runs"][0]
    notifications = run["invocations"][0]["toolExecutionNotifications"]
    simulated = [n for n in notifications if n["descriptor"]["id"] == "simulated"]
    assert [n["message"]["text"] for n in simulated] == [ROOT_NOTE, OTHER_ROOT_NOTE, ORGANIZATION_NOTE]
    assert simulated[0]["properties"] == {"resource_types": ["AWS::IAM::Root"], "account_id": PROD}
    assert "account_id" not in simulated[2]["properties"]  # organization-wide
    assert not any(n["message"]["text"].startswith("simulated:") for n in notifications)
    assert "notice" not in {n["descriptor"]["id"] for n in notifications}
    descriptors = {d["id"]: d for d in run["tool"]["driver"]["notifications"]}
    assert descriptors["simulated"]["defaultConfiguration"] == {"level": "warning"}
    results = {r["ruleId"]: r for r in run["results"]}
    assert results["DATA-005"]["properties"]["simulated"] == [ROOT_NOTE]
    assert "simulated" not in results["DATA-004"]["properties"]


def test_the_table_lists_the_facts_and_marks_the_findings(document: FindingsDocument) -> None:
    output = render_text(document, width=200)
    assert "Simulated data: 3 facts injected, not collected from AWS (1 active finding rests on them" in output
    assert f"  - {ROOT_NOTE}" in output and f"  - {ORGANIZATION_NOTE}" in output
    assert "Notices:" not in output and "simulated:" not in output
    [root_row] = [line for line in output.splitlines() if "DATA-005" in line]
    assert root_row.startswith("high (simulated)")
    [role_row] = [line for line in output.splitlines() if "DATA-004" in line]
    assert "simulated" not in role_row


def test_the_html_banner_and_payload_come_from_the_facts(document: FindingsDocument) -> None:
    page = HtmlReporter().render(document).decode()
    banner = page[page.index('id="simulated-banner"') : page.index("</div>", page.index('id="simulated-banner"'))]
    assert "(3 notes); 1 active finding rests on them" in banner
    for note in (ROOT_NOTE, OTHER_ROOT_NOTE, ORGANIZATION_NOTE):
        assert f'<li class="wrap">{note}</li>' in banner
    assert 'id="notices"' not in page
    payload = json.loads(data_block(page))
    assert payload["simulated"] == [ROOT_NOTE, OTHER_ROOT_NOTE, ORGANIZATION_NOTE]
    marked = {f["i"]: [payload["simulated"][k] for k in f["v"]] for f in payload["findings"] if "v" in f}
    assert marked == {f"arn:aws:iam::{PROD}:root": [ROOT_NOTE]}
