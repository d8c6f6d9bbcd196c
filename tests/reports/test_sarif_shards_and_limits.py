"""SARIF under GitHub's limits (5,000 alerts kept per run) and per-shard automationDetails ids."""

from __future__ import annotations

import json

from report_fixtures import DEV, PROD, finding, make_document
from sarif_checks import check_sarif

from auditor.reports.sarif import MAX_ALERTS_KEPT, SarifReporter, automation_id


def _many(count: int, rule_id: str, account: str, severity: str) -> list:
    return [
        finding(
            rule_id, account, "AWS::IAM::User", f"arn:aws:iam::{account}:user/{rule_id}-{i}", "m", severity=severity
        )
        for i in range(count)
    ]


def test_over_the_alert_limit_high_findings_stay_individual_and_the_rest_is_aggregated() -> None:
    highs = _many(700, "KEY-001", DEV, "high") + _many(300, "ROOT-001", PROD, "critical")
    lower = (
        _many(3000, "KEY-002", DEV, "medium")
        + _many(2500, "KEY-002", PROD, "medium")
        + _many(10, "USER-004", DEV, "low")
    )
    document = make_document(highs + lower)
    log = json.loads(SarifReporter().render(document))
    check_sarif(log)
    run = log["runs"][0]
    results = run["results"]
    individual = [r for r in results if not r["properties"].get("aggregated")]
    aggregated = [r for r in results if r["properties"].get("aggregated")]
    assert len(individual) == 1000 and {r["ruleId"] for r in individual} == {"KEY-001", "ROOT-001"}
    assert sorted((r["ruleId"], r["properties"]["accounts"], r["properties"]["count"]) for r in aggregated) == [
        ("KEY-002", [DEV], 3000),
        ("KEY-002", [PROD], 2500),
        ("USER-004", [DEV], 10),
    ]
    assert len(results) <= MAX_ALERTS_KEPT
    notes = [
        n for n in run["invocations"][0]["toolExecutionNotifications"] if n["descriptor"]["id"] == "results-aggregated"
    ]
    assert (
        len(notes) == 1
        and "5510 medium, low and info finding(s) aggregated into 3 result(s)" in notes[0]["message"]["text"]
    )
    ids = {d["id"] for d in run["tool"]["driver"]["notifications"]}
    assert "results-aggregated" in ids
    # the aggregate's identity is its rule and account: stable from one night to the next
    again = json.loads(SarifReporter().render(make_document(highs + lower[:-1])))
    assert aggregate_ids(again) == aggregate_ids(log)


def aggregate_ids(log: dict) -> set[str]:
    return {
        r["partialFingerprints"]["primaryLocationLineHash"]
        for r in log["runs"][0]["results"]
        if r["properties"].get("aggregated")
    }


def test_under_the_limit_every_finding_is_its_own_result() -> None:
    document = make_document(_many(MAX_ALERTS_KEPT, "KEY-002", DEV, "medium"))
    results = json.loads(SarifReporter().render(document))["runs"][0]["results"]
    assert len(results) == MAX_ALERTS_KEPT and not any(r["properties"].get("aggregated") for r in results)


def test_shards_get_distinct_automation_ids() -> None:
    def shard(*sources: str):
        document = make_document([])
        return document.model_copy(
            update={"scope": document.scope.model_copy(update={"sources": ["org:Audit", *sources]})}
        )

    whole = automation_id(shard(), "aws-identity-auditor")
    first = automation_id(shard("ou:ou-ab12-aaaa1111"), "aws-identity-auditor")
    second = automation_id(shard("ou:ou-ab12-bbbb2222"), "aws-identity-auditor")
    accounts = automation_id(shard("accounts:111111111111,222222222222"), "aws-identity-auditor")
    assert whole.startswith("aws-identity-auditor/") and whole.endswith("/")
    assert len({whole, first, second, accounts}) == 4
    assert first == whole + "ou-ou-ab12-aaaa1111/"
    assert automation_id(shard("ou:ou-ab12-aaaa1111"), "team-x/nightly").startswith("team-x/nightly/")
    long = automation_id(shard("accounts:" + ",".join(str(10**11 + i) for i in range(50))), "c")
    assert len(long) < 120 and long.endswith("/")
