"""Incomplete never means fixed: findings of an account whose role cannot be assumed (or that is out of scope)
stay open through ``--baseline``, ``diff`` and the SARIF, marked not re-verified, on a moto organization.

AssumeRole refusal is injected with a botocore ``before-call`` hook (moto accepts every AssumeRole), and the
three read APIs moto lacks are answered the same way (see test_end_to_end.py), so the only gap is the refusal.
"""

from __future__ import annotations

import json

import boto3
from conftest import build_organization
from factories import builtin_rules
from moto_answers import answer_what_moto_lacks, refuse
from sarif_checks import check_sarif

from auditor.collect.options import CollectOptions
from auditor.collect.runner import collect
from auditor.engine.baseline import diff
from auditor.engine.config import Config
from auditor.engine.gate import gate
from auditor.engine.pipeline import findings_for
from auditor.errors import ExitCode
from auditor.findings import Severity
from auditor.reports.html import HtmlReporter
from auditor.reports.sarif import SarifReporter
from auditor.reports.table import TableReporter, render_diff


def test_an_account_that_cannot_be_entered_keeps_its_findings_open(moto_session: boto3.Session) -> None:
    world = build_organization(moto_session)
    answer_what_moto_lacks(moto_session, world.organization_id)
    ruleset = builtin_rules()
    prod = world.account_ids["prod"]
    world.member_client("prod", "iam").create_user(UserName="prod-deployer")
    world.member_client("prod", "iam").create_access_key(UserName="prod-deployer")
    baseline = findings_for(
        collect(CollectOptions(org=True), session=moto_session, sleep=lambda _: None), ruleset, Config()
    )
    prod_findings = {f.fingerprint for f in baseline.findings if f.account_id == prod}
    assert prod_findings, "prod must have findings for this test to mean anything"

    refuse(moto_session, "sts", "AssumeRole", when=lambda body: prod in body)
    inventory = collect(CollectOptions(org=True), session=moto_session, sleep=lambda _: None)
    assert [e.account_id for e in inventory.errors if e.operation == "AssumeRole"] == [prod]
    after = findings_for(inventory, ruleset, Config(), baseline=baseline)

    carried = [f for f in after.findings if f.baseline_state == "not_reverified"]
    # Every prod finding is still there: re-found from organization data (unchanged), or carried forward.
    assert {f.fingerprint for f in after.findings if f.account_id == prod} == prod_findings
    refound = {f.fingerprint for f in after.findings if f.account_id == prod and f.baseline_state == "unchanged"}
    assert carried and {f.fingerprint for f in carried} == prod_findings - refound
    assert {f.rule_id for f in carried} >= {"KEY-001"}  # prod-deployer's key, which only entering prod shows
    assert all(f.message.startswith(f"not re-verified (account {prod} was out of scope") for f in carried)
    assert after.fixed == []  # nothing of prod is reported fixed
    assert after.summary.not_reverified == len(carried) and after.summary.new == 0
    assert gate(after, Severity.HIGH) == ExitCode.INCOMPLETE  # carried findings are not new; the gap gives 3
    assert any("could not be re-verified" in notice for notice in after.notices)

    result = diff(baseline, after)
    assert result.fixed == [] and {f.fingerprint for f in result.unchanged} >= prod_findings
    assert render_diff(after).splitlines()[0].startswith("0 new, 0 fixed, ")

    log = json.loads(SarifReporter().render(after))
    check_sarif(log)
    results = {r["partialFingerprints"]["primaryLocationLineHash"]: r for r in log["runs"][0]["results"]}
    assert prod_findings <= set(results)  # the alerts stay open: GitHub closes only what an upload leaves out
    assert {results[f]["baselineState"] for f in prod_findings} == {"unchanged"}

    html = HtmlReporter().render(after).decode("utf-8")
    assert "not re-verified (carried, open)" in html and '<option value="not_reverified">' in html
    text = TableReporter(width=160).render(after).decode("utf-8")
    assert f"{len(carried)} not re-verified (carried forward, still open)" in text

    # The next run, still without prod, keeps carrying them (a baseline refreshed from `after` included).
    again = findings_for(inventory, ruleset, Config(), baseline=after)
    assert {f.fingerprint for f in again.findings if f.baseline_state == "not_reverified"} == {
        f.fingerprint for f in carried
    }
    assert all(f.message.count("not re-verified") == 1 for f in again.findings if f.baseline_state == "not_reverified")

    # A shard that does not select prod (--exclude-accounts here) says nothing about it: prod's findings are not
    # fixed, and not carried into this shard's reports either (they belong to the shard that selects prod).
    out_of_scope = collect(
        CollectOptions(org=True, exclude_accounts=[prod]), session=moto_session, sleep=lambda _: None
    )
    excluded = findings_for(out_of_scope, ruleset, Config(), baseline=baseline)
    assert excluded.fixed == []
    assert not [f for f in excluded.findings if f.baseline_state == "not_reverified"]
    assert prod not in {f.account_id for f in excluded.findings if f.rule_id == "KEY-001"}

    # The shard that selects prod but cannot enter it carries prod's findings forward.
    prod_only = collect(CollectOptions(org=True, accounts=[prod]), session=moto_session, sleep=lambda _: None)
    assert prod_only.errors and prod in {e.account_id for e in prod_only.errors}  # still refused: carried
    refused_shard = findings_for(prod_only, ruleset, Config(), baseline=baseline)
    assert {f.fingerprint for f in refused_shard.findings if f.baseline_state == "not_reverified"} == {
        f.fingerprint for f in carried
    }
