"""Two scans of an unchanged organization: the whole pipeline (collect -> evaluate -> findings -> gate) on moto.

moto lacks five read APIs a real organization answers (iam:ListOrganizationsFeatures is not implemented,
organizations:ListDelegatedAdministrators refuses sso.amazonaws.com, sso-admin:GetPermissionsBoundary...,
iam:GenerateServiceLastAccessedDetails and iam:GetServiceLastAccessedDetails are not implemented). A real
account answers them, so a real unchanged organization scans with no coverage gap; to test exactly that, these
five are answered through ``before-call`` hooks on the base session (the
mechanism botocore's Stubber is built on; Stubber itself cannot be used because the collectors create their
own clients) with responses validated against the real API model. Everything else comes from moto.
"""

from __future__ import annotations

from typing import Any

import boto3
from conftest import build_organization
from factories import builtin_rules
from moto_answers import answer_what_moto_lacks

from auditor.collect.options import CollectOptions
from auditor.collect.runner import collect
from auditor.engine.config import Config
from auditor.engine.gate import gate
from auditor.engine.pipeline import findings_for
from auditor.errors import ExitCode
from auditor.findings import Severity


def _scan(session: boto3.Session) -> Any:
    return collect(CollectOptions(org=True), session=session, sleep=lambda _seconds: None)


def test_unchanged_organization_same_fingerprints_and_baseline_passes_the_gate(
    moto_session: boto3.Session,
) -> None:
    world = build_organization(moto_session)
    answer_what_moto_lacks(moto_session, world.organization_id)
    ruleset = builtin_rules()
    config = Config()

    first_inventory, second_inventory = _scan(moto_session), _scan(moto_session)
    assert first_inventory.errors == [] and second_inventory.errors == []
    assert len(first_inventory.accounts) == 4

    first = findings_for(first_inventory, ruleset, config)
    second = findings_for(second_inventory, ruleset, config, baseline=first)

    fingerprints = [f.fingerprint for f in first.findings]
    assert fingerprints, "the seeded organization must produce findings for this test to mean anything"
    assert [f.fingerprint for f in second.findings] == fingerprints
    assert {f.rule_id for f in first.findings} >= {"USER-005", "USER-006", "IDC-002"}

    assert {f.baseline_state for f in second.findings} == {"unchanged"}
    assert second.summary.new == 0 and second.fixed == []
    assert gate(first, Severity.HIGH) == ExitCode.FINDINGS  # the first run fails on its high findings
    assert gate(second, Severity.HIGH) == ExitCode.OK  # the same findings, baselined, do not


def test_a_new_finding_after_the_baseline_fails_the_gate(moto_session: boto3.Session) -> None:
    world = build_organization(moto_session)
    answer_what_moto_lacks(moto_session, world.organization_id)
    ruleset = builtin_rules()
    baseline = findings_for(_scan(moto_session), ruleset, Config())

    iam = world.member_client("sandbox", "iam")
    iam.create_user(UserName="new-deployer")
    iam.create_access_key(UserName="new-deployer")
    after = findings_for(_scan(moto_session), ruleset, Config(), baseline=baseline)

    new = [f for f in after.findings if f.baseline_state == "new"]
    assert [(f.rule_id, f.account_id) for f in new if f.rule_id == "KEY-001"] == [
        ("KEY-001", world.account_ids["sandbox"])
    ]
    assert all("new-deployer" in f.resource_id + str(f.evidence.get("user_arn", "")) for f in new)
    assert gate(after, Severity.HIGH) == ExitCode.FINDINGS
