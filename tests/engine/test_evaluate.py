"""The engine: rule switches, severity overrides, suppressions, determinism and failure isolation."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType

from factories import (
    AS_OF,
    DEV,
    MGMT,
    PROD,
    builtin_rules,
    days_ago,
    key_id,
    make_account,
    make_identity_center,
    make_inventory,
    make_key,
    make_org,
    make_user,
    org_account,
)

from auditor.engine.config import Config
from auditor.engine.document import build_document
from auditor.engine.evaluate import RuleOutcome, evaluate
from auditor.findings import FileLocation, Severity, display_name, make_fingerprint
from auditor.inventory import SimulatedFact
from auditor.registry import RuleSet
from auditor.rule import Hit, rule


def _inventory(prod_tags: Mapping[str, str] | None = MappingProxyType({"Environment": "production"})):
    """Three accounts: legacy IAM users with keys in dev and prod, tags on the prod account and on one user.

    ``prod_tags=None`` is a prod account whose tags were not read (its ListTagsForResource failed)."""
    org = make_org(
        [
            org_account(MGMT, "management"),
            org_account(DEV, "dev"),
            org_account(PROD, "prod", tags=prod_tags),
        ]
    )
    return make_inventory(
        organization=org,
        accounts=[
            make_account(MGMT, "management", users=[]),
            make_account(
                DEV,
                "dev",
                users=[
                    make_user(
                        "ci",
                        DEV,
                        keys=[make_key(1, created=days_ago(200), last_used=days_ago(1))],
                        tags={"owner": "platform"},
                    ),
                    make_user("alice", DEV, password=True, mfa=True, password_last_used=days_ago(1)),
                ],
            ),
            make_account(
                PROD,
                "prod",
                users=[make_user("deployer", PROD, keys=[make_key(2, created=days_ago(30), last_used=days_ago(1))])],
            ),
        ],
    )


def _config(**raw):
    return Config.model_validate(raw)


def _builtin():
    return builtin_rules()


def _by_rule(evaluation, rule_id):
    return [f for f in evaluation.findings if f.rule_id == rule_id]


def test_findings_carry_rule_metadata_and_account_name():
    evaluation = evaluate(_inventory(), _builtin(), Config())
    [finding] = [f for f in _by_rule(evaluation, "KEY-002")]
    assert finding.title == "Access key not rotated"
    assert finding.severity is Severity.MEDIUM
    assert finding.account_id == DEV and finding.account_name == "dev"
    assert finding.fingerprint == make_fingerprint("KEY-002", DEV, key_id(1))
    assert "CIS AWS Foundations Benchmark v3.0.0 1.14" in finding.references
    assert finding.remediation.startswith("Best: replace the key")
    assert not finding.suppressed
    assert [f.rule_id for f in evaluation.findings[:1]] == ["KEY-001"]  # worst severity first


def test_disabled_rules_do_not_run():
    evaluation = evaluate(_inventory(), _builtin(), _config(rules={"disabled": ["KEY-001", "USER-001"]}))
    ids = {f.rule_id for f in evaluation.findings}
    assert "KEY-001" not in ids and "USER-001" not in ids
    assert "KEY-002" in ids
    # A disabled rule's silence is no pass: the document says it did not run, and why.
    assert evaluation.outcomes["KEY-001"] == RuleOutcome("disabled", "disabled in the configuration ([rules] disabled)")
    assert evaluation.outcomes["KEY-002"] == RuleOutcome("evaluated")


def test_severity_override():
    evaluation = evaluate(_inventory(), _builtin(), _config(rules={"severity": {"KEY-001": "critical"}}))
    assert {f.severity for f in _by_rule(evaluation, "KEY-001")} == {Severity.CRITICAL}
    assert evaluation.findings[0].rule_id == "KEY-001"


def test_suppression_by_rule_and_account_glob():
    config = _config(
        suppressions=[{"rule": "KEY-001", "account": "pro*", "reason": "prod keys go next quarter", "owner": "ops"}]
    )
    findings = _by_rule(evaluate(_inventory(), _builtin(), config), "KEY-001")
    suppressed = {f.account_id: f.suppressed for f in findings}
    assert suppressed == {DEV: False, PROD: True}
    [prod] = [f for f in findings if f.account_id == PROD]
    assert prod.suppression is not None
    assert (prod.suppression.reason, prod.suppression.owner, prod.suppression.expired) == (
        "prod keys go next quarter",
        "ops",
        False,
    )


def test_suppression_by_resource_glob_for_every_rule():
    config = _config(suppressions=[{"rule": "*", "resource": "arn:aws:iam::*:user/ci", "reason": "migrating"}])
    evaluation = evaluate(_inventory(), _builtin(), config)

    def about_ci(f) -> bool:  # the user, or one of its access keys (whose user is in the evidence)
        return f.resource_id.endswith(":user/ci") or str(f.evidence.get("user_arn", "")).endswith(":user/ci")

    ci = [f for f in evaluation.findings if about_ci(f)]
    assert ci and all(f.suppressed for f in ci)
    assert any(f.resource_type == "AWS::IAM::AccessKey" for f in ci)
    assert not any(f.suppressed for f in evaluation.findings if not about_ci(f))


def test_suppression_by_resource_tag_and_by_account_tag():
    by_user_tag = _config(suppressions=[{"rule": "KEY-001", "tag": "owner=plat*", "reason": "owned by platform"}])
    findings = _by_rule(evaluate(_inventory(), _builtin(), by_user_tag), "KEY-001")
    assert {f.account_id: f.suppressed for f in findings} == {DEV: True, PROD: False}

    by_account_tag = _config(suppressions=[{"rule": "KEY-001", "tag": "Environment=prod*", "reason": "prod exception"}])
    findings = _by_rule(evaluate(_inventory(), _builtin(), by_account_tag), "KEY-001")
    assert {f.account_id: f.suppressed for f in findings} == {DEV: False, PROD: True}


def test_account_tag_suppression_does_not_match_tags_that_were_not_read():
    """PROD's tags unread (``None``: its ListTagsForResource failed): an account-tag suppression cannot apply."""
    inventory = _inventory(prod_tags=None)
    assert inventory.account_facts(PROD).tags is None
    by_account_tag = _config(suppressions=[{"rule": "KEY-001", "tag": "Environment=*", "reason": "prod exception"}])
    findings = _by_rule(evaluate(inventory, _builtin(), by_account_tag), "KEY-001")
    assert {f.account_id: f.suppressed for f in findings} == {DEV: False, PROD: False}


def test_expired_suppression_stops_suppressing_and_says_so():
    yesterday = (AS_OF - timedelta(days=1)).date()
    config = _config(
        suppressions=[{"rule": "KEY-001", "account": DEV, "reason": "temporary", "expires": yesterday.isoformat()}]
    )
    evaluation = evaluate(_inventory(), _builtin(), config)
    [dev] = [f for f in _by_rule(evaluation, "KEY-001") if f.account_id == DEV]
    assert not dev.suppressed
    assert dev.suppression is not None and dev.suppression.expired
    assert evaluation.notices == [
        f"suppression #1 (rule KEY-001, reason: temporary) expired on {yesterday}; its findings count again"
    ]
    # on its expiry day it still holds: expiry is measured at the inventory's collection date
    today = _config(
        suppressions=[{"rule": "KEY-001", "account": DEV, "reason": "t", "expires": AS_OF.date().isoformat()}]
    )
    [dev] = [f for f in _by_rule(evaluate(_inventory(), _builtin(), today), "KEY-001") if f.account_id == DEV]
    assert dev.suppressed


def test_a_live_suppression_after_an_expired_one_still_applies():
    config = _config(
        suppressions=[
            {"rule": "KEY-001", "account": DEV, "reason": "old", "expires": "2020-01-01"},
            {"rule": "KEY-001", "account": DEV, "reason": "renewed", "expires": "2030-01-01"},
        ]
    )
    [dev] = [f for f in _by_rule(evaluate(_inventory(), _builtin(), config), "KEY-001") if f.account_id == DEV]
    assert dev.suppressed and dev.suppression.reason == "renewed"


def test_a_suppression_that_matches_nothing_is_named():
    config = _config(
        suppressions=[
            {"rule": "KEY-001", "account": DEV, "reason": "in use"},
            {"rule": "KEY-001", "resource": "arn:aws:iam::*:user/long-gone", "reason": "stale"},
        ]
    )
    evaluation = evaluate(_inventory(), _builtin(), config)
    assert any(f.suppressed for f in _by_rule(evaluation, "KEY-001"))
    assert evaluation.notices == [
        "suppression #2 (rule KEY-001, reason: stale) matched no finding: remove it if what it covered is gone"
    ]


def test_evaluation_is_deterministic():
    first = evaluate(_inventory(), _builtin(), Config())
    second = evaluate(_inventory(), _builtin(), Config())
    assert [f.fingerprint for f in first.findings] == [f.fingerprint for f in second.findings]
    assert [f.model_dump() for f in first.findings] == [f.model_dump() for f in second.findings]
    assert len({f.fingerprint for f in first.findings}) == len(first.findings)


def _probe(message: str, evidence: dict):
    @rule(id="TEST-001", title="probe", severity="low", area="test", rationale="r", remediation="f")
    def check(inventory, config):
        yield Hit(
            account_id=DEV,
            resource_type="AWS::IAM::User",
            resource_id="arn:aws:iam::222222222222:user/x",
            message=message,
            evidence=evidence,
        )

    return check


def test_fingerprints_ignore_message_and_evidence():
    one = evaluate(make_inventory(), RuleSet(rules=[_probe("first wording", {"age_days": 10})]), Config())
    two = evaluate(make_inventory(), RuleSet(rules=[_probe("second wording", {"age_days": 11})]), Config())
    assert one.findings[0].fingerprint == two.findings[0].fingerprint
    assert one.findings[0].message != two.findings[0].message


def test_a_failing_rule_becomes_an_error_while_others_run():
    @rule(id="TEST-002", title="broken", severity="high", area="test", rationale="r", remediation="f")
    def broken(inventory, config):
        raise KeyError("surprise")
        yield  # pragma: no cover

    ruleset = RuleSet(rules=[broken, _probe("fine", {})], problems=["rule pack 'x' failed to load: ImportError: boom"])
    evaluation = evaluate(make_inventory(), ruleset, Config())
    assert [f.rule_id for f in evaluation.findings] == ["TEST-001"]
    operations = {e.operation: e for e in evaluation.errors}
    assert operations["evaluate TEST-002"].error_code == "KeyError"
    assert "surprise" in operations["evaluate TEST-002"].message
    assert operations["load rules"].message == "rule pack 'x' failed to load: ImportError: boom"
    assert evaluation.outcomes["TEST-002"] == RuleOutcome("failed", "KeyError: 'surprise'")
    assert evaluation.outcomes["TEST-001"].status == "evaluated"


def test_manual_checks_and_inventory_errors_are_passed_through():
    builtin = _builtin()
    evaluation = evaluate(_inventory(), builtin, Config())
    assert [m.id for m in evaluation.manual_checks] == [m.id for m in builtin.manual_checks]
    assert {"MANUAL-001", "MANUAL-004", "MANUAL-005", "MANUAL-006"} <= {m.id for m in evaluation.manual_checks}


def test_evidence_is_plain_json():
    evaluation = evaluate(_inventory(), _builtin(), Config())
    # A hit whose evidence is not JSON (a raw datetime, say) never becomes a finding: the engine drops it with an
    # InvalidHit error. So the findings' evidence alone cannot show a rule's mistake; the errors must be empty too.
    assert [(e.operation, e.error_code, e.message) for e in evaluation.errors] == []
    assert evaluation.findings
    for finding in evaluation.findings:
        json.dumps(finding.evidence)  # datetimes are already isoformat strings, nothing needs a custom encoder


def test_an_inventory_of_unknowns_yields_no_findings():
    """Every collected field left at None (not collected) and Identity Center 'unknown': no rule may guess."""
    unknown = make_inventory(
        organization=make_org(features=None, delegated=None),
        identity_center=make_identity_center("unknown"),
        accounts=[make_account(MGMT, "management", is_management=True), make_account(DEV, "dev")],
    )
    assert evaluate(unknown, _builtin(), Config()).findings == []


# ------------------------------------------------------------------------------ simulated facts, display name


def test_each_finding_names_the_simulated_facts_of_its_account_and_resource_type():
    dev_keys = SimulatedFact(account_id=DEV, resource_types=("AWS::IAM::AccessKey",), note="dev's keys are made up")
    all_users = SimulatedFact(resource_types=("AWS::IAM::User",), note="every user is made up")  # organization-wide
    older = SimulatedFact.model_validate("a line from an older inventory")  # only a note: touches no finding
    inventory = _inventory()
    inventory.collection = inventory.collection.model_copy(update={"simulated": [dev_keys, all_users, older]})
    builtin = _builtin()
    evaluation = evaluate(inventory, builtin, Config())
    by_key = {(f.rule_id, f.account_id): f.simulated for f in evaluation.findings}
    assert by_key[("KEY-001", DEV)] == ["dev's keys are made up"]
    assert by_key[("KEY-002", DEV)] == ["dev's keys are made up"]
    assert by_key[("KEY-001", PROD)] == []  # another account's key: DEV's fact is not about it
    assert by_key[("USER-001", DEV)] == ["every user is made up"]
    # said once, as data: in the document's own field, never as a "simulated: ..." notice
    assert evaluation.notices == []
    document = build_document(inventory, evaluation, builtin, AS_OF)
    assert document.simulated == [dev_keys, all_users, older]
    assert document.notices == []


def test_without_simulated_facts_no_finding_names_any():
    assert all(f.simulated == [] for f in evaluate(_inventory(), _builtin(), Config()).findings)


def test_evaluation_gives_each_finding_its_display_name():
    by_rule = {(f.rule_id, f.account_id): f.display_name for f in evaluate(_inventory(), _builtin(), Config()).findings}
    assert by_rule[("KEY-001", DEV)] == f"ci {key_id(1)}"  # a key: its user, then its id
    assert by_rule[("KEY-001", PROD)] == f"deployer {key_id(2)}"
    assert by_rule[("USER-001", DEV)] == "alice"


def test_display_name_of_each_kind_of_resource():
    key = key_id(7)
    assert display_name(key, {"access_key_id": key, "user_name": "ci"}, None) == f"ci {key}"
    user_arn = f"arn:aws:iam::{DEV}:user/ops/alice"
    assert display_name(user_arn, {}, None) == "alice"
    assert display_name(user_arn, {"access_key_id": key}, None) == f"alice {key}"  # two keys of one user
    permission_set = "arn:aws:sso:::permissionSet/ssoins-1/ps-0123"
    assert display_name(permission_set, {"permission_set_name": "ReadOnly"}, None) == "ReadOnly"
    assert display_name(permission_set, {}, None) == "ps-0123"
    assert display_name("src/app.py", {}, FileLocation(path="src/app.py", line=9, column=3)) == "src/app.py:9"
    assert display_name(f"arn:aws:iam::{DEV}:root", {}, None) == "root"
    assert display_name(DEV, {}, None) == DEV
    assert display_name("arn:aws:iam::1:role/", {}, None) == "role"
