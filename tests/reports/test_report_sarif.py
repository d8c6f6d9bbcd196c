"""SARIF: valid against the OASIS SARIF 2.1.0 schema, and acceptable to GitHub code scanning.

Every log these tests produce goes through ``check_sarif``: validation against the OASIS schema (errata 01,
Draft 4, in ``tests/fixtures``) plus GitHub's ingestion rules, checked as explicit assertions. GitHub's own copy
of the schema is not used: it is not a valid JSON Schema itself (the region's ``anyOf`` sits inside
``properties``), and its one intended addition, a region needs ``startLine``, ``charOffset`` or ``byteOffset``,
is already in the OASIS schema and asserted below as GitHub applies it (``startLine`` >= 1).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from conftest import REPO
from report_fixtures import (
    DEV,
    HOSTILE,
    MGMT,
    ORG_ID,
    PROD,
    clean_document,
    finding,
    make_document,
    sample_findings,
)
from sarif_checks import check_sarif

from auditor.findings import FileLocation, Severity
from auditor.reports import sarif
from auditor.reports.sarif import SarifReporter


def render(document, reporter: SarifReporter | None = None) -> dict[str, Any]:
    raw = (reporter or SarifReporter()).render(document)
    assert isinstance(raw, bytes)
    log = json.loads(raw.decode("utf-8"))
    check_sarif(log)
    return log


def results_by_rule(log: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for result in log["runs"][0]["results"]:
        grouped.setdefault(result["ruleId"], []).append(result)
    return grouped


def uri_of(result: dict[str, Any]) -> str:
    return result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]


# ------------------------------------------------------------------------------------------------- tests


def test_full_document_is_valid_and_complete() -> None:
    document = make_document()
    log = render(document)
    run = log["runs"][0]
    assert len(log["runs"]) == 1
    assert len(run["results"]) == len(document.findings)
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [r.id for r in document.rules]
    assert run["tool"]["driver"]["name"] == "aws-identity-auditor"
    assert run["tool"]["driver"]["version"] == "0.1.0"
    # worst first
    ranks = [Severity(r["properties"]["severity"]).rank for r in run["results"]]
    assert ranks == sorted(ranks, reverse=True)


def test_empty_findings_still_give_a_valid_run() -> None:
    log = render(clean_document())
    run = log["runs"][0]
    assert run["results"] == []
    assert run["automationDetails"]["id"] == f"aws-identity-auditor/{ORG_ID}/"
    assert run["invocations"][0]["executionSuccessful"] is True
    assert "toolExecutionNotifications" not in run["invocations"][0]
    # rules are still listed, so an empty upload closes every open alert of the category
    assert run["tool"]["driver"]["rules"]


def test_document_without_rules_or_anything() -> None:
    log = render(make_document([], errors=[], rules=[], notices=[], manual=False, organization_id=None, accounts=[]))
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["automationDetails"]["id"] == "aws-identity-auditor/default/"


def test_rule_metadata() -> None:
    log = render(make_document())
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    root = rules["ROOT-001"]
    assert root["name"] == "RootUserHasAccessKeys"
    assert root["shortDescription"]["text"] == "Root user has access keys"
    assert root["fullDescription"]["text"] == "Why root user has access keys matters."
    assert root["properties"]["tags"][:2] == ["security", "root"]
    assert "Fix: root user has access keys." in root["help"]["text"]
    assert "CIS AWS Foundations v3.0.0 1.4" in root["help"]["text"]
    assert "<https://docs.aws.amazon.com/IAM/>" in root["help"]["markdown"]
    assert root["properties"]["precision"] == "high"
    assert rules["IDC-006"]["name"] == "PermissionSetAssignedToAUserNotAGroup"
    # rationale longer than GitHub's 1024 characters is shortened, not dropped
    long = rules["USER-002"]["fullDescription"]["text"]
    assert len(long) <= 1024 and long.endswith("…")
    # markup in remediation is shown, not interpreted
    assert "\\<key\\> \\& retire" in rules["KEY-002"]["help"]["markdown"]
    assert "Rotate <key> & retire it." in rules["KEY-002"]["help"]["text"]


@pytest.mark.parametrize(
    ("severity", "level", "score"),
    [
        ("critical", "error", 9.5),
        ("high", "error", 8.0),
        ("medium", "warning", 5.5),
        ("low", "note", 2.0),
        ("info", "note", 0.0),
    ],
)
def test_severity_mapping(severity: str, level: str, score: float) -> None:
    log = render(make_document())
    run = log["runs"][0]
    for rule in run["tool"]["driver"]["rules"]:
        if rule["defaultConfiguration"]["level"] == level and float(rule["properties"]["security-severity"]) == score:
            break
    else:
        pytest.fail(f"no rule with level {level} and security-severity {score}")
    value = rule["properties"]["security-severity"]
    assert isinstance(value, str) and float(value) == score
    # GitHub's bands: >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low; info is below all of them
    bands = {"critical": (9.0, 10.0), "high": (7.0, 8.9), "medium": (4.0, 6.9), "low": (0.1, 3.9), "info": (0.0, 0.0)}
    low, high = bands[severity]
    assert low <= score <= high
    for result in run["results"]:
        if result["properties"]["severity"] == severity:
            assert result["level"] == level


def test_cloud_findings_get_stable_scheme_less_placeholder_paths() -> None:
    log = render(make_document())
    by_rule = results_by_rule(log)
    assert uri_of(by_rule["ROOT-001"][0]) == f"aws/{MGMT}/iam/root/root"
    assert uri_of(by_rule["USER-002"][0]) == f"aws/{DEV}/iam/user/ops/alice"
    assert {uri_of(r) for r in by_rule["KEY-002"]} == {f"aws/{DEV}/iam/user/bob", f"aws/{PROD}/iam/user/break-glass"}
    assert uri_of(by_rule["ORG-001"][0]) == f"aws/{PROD}/organizations/account/{PROD}"
    assert uri_of(by_rule["IDC-006"][0]) == f"aws/{MGMT}/sso/permissionset/ssoins-7223a1b2c3d4e5f6/ps-0123456789abcdef"
    for result in log["runs"][0]["results"]:
        uri = uri_of(result)
        assert "arn" not in uri.split("/")[0]
        assert not re.search(r"[\s<>\"'\\]", uri)
        if result["ruleId"] != "LOCAL-001":
            assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
            logical = result["locations"][0]["logicalLocations"][0]
            assert logical["kind"] == "resource"
            assert logical["fullyQualifiedName"] == result["properties"]["resource_id"]
    alice = by_rule["USER-002"][0]["locations"][0]["logicalLocations"][0]
    assert alice == {"name": "alice", "fullyQualifiedName": f"arn:aws:iam::{DEV}:user/ops/alice", "kind": "resource"}


def test_file_finding_keeps_its_relative_path_and_line() -> None:
    log = render(make_document())
    local = results_by_rule(log)["LOCAL-001"][0]
    physical = local["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "config/aws%20credentials"
    assert physical["region"] == {"startLine": 3}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("src/app.py", "src/app.py"),
        ("./src/app.py", "src/app.py"),
        ("src\\win\\app.py", "src/win/app.py"),
        ("/home/dev/.aws/credentials", "local/home/dev/.aws/credentials"),
        ("~/.aws/credentials", "local/~/.aws/credentials"),
        ("C:\\Users\\dev\\.aws\\credentials", "local/Users/dev/.aws/credentials"),
        ("../outside/keys.txt", "local/outside/keys.txt"),
        ("https://evil.example/x", "https%3A/evil.example/x"),
        ("arn:aws:s3:::bucket/key", "arn%3Aaws%3As3%3A%3A%3Abucket/key"),
        ("dir/<script>.py", "dir/%3Cscript%3E.py"),
    ],
)
def test_file_paths_are_relative_and_scheme_less(path: str, expected: str) -> None:
    f = finding("LOCAL-001", None, "Local::File", path, "key", location=FileLocation(path=path, line=0))
    assert sarif.artifact_uri(f) == expected
    log = render(make_document([f], errors=[]))
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 1


@pytest.mark.parametrize(
    ("resource_type", "resource_id", "expected"),
    [
        (
            "AWS::IAM::User",
            f"arn:aws:iam::{DEV}:user/<script>alert(1)</script>",
            f"aws/{DEV}/iam/user/_script_alert_1_/script_",
        ),
        ("AWS::IAM::Role", f"arn:aws-cn:iam::{DEV}:role/a b/../c", f"aws/{DEV}/iam/role/a_b/_/c"),
        ("AWS::SSO::Instance", "arn:aws:sso:::instance/ssoins-1", f"aws/{DEV}/sso/instance/ssoins-1"),
        ("Custom", "", f"aws/{DEV}/custom/_"),
        ("", "weird:id", f"aws/{DEV}/resource/weird/id"),
        ("AWS::::Account", "arn:aws:organizations::111:account/o-1/222", f"aws/{DEV}/account/o-1/222"),
    ],
)
def test_placeholder_paths_are_sanitized(resource_type: str, resource_id: str, expected: str) -> None:
    f = finding("ROOT-001", DEV, resource_type, resource_id, "m")
    assert sarif.artifact_uri(f) == expected
    render(make_document([f], errors=[]))


def test_placeholder_without_account_uses_the_arn_or_says_so() -> None:
    with_arn = finding("ROOT-001", None, "AWS::IAM::User", f"arn:aws:iam::{PROD}:user/x", "m")
    without = finding("ROOT-001", None, "AWS::IAM::User", "x", "m")
    assert sarif.artifact_uri(with_arn) == f"aws/{PROD}/iam/user/x"
    assert sarif.artifact_uri(without) == "aws/no-account/iam/user/x"


def test_fingerprints_are_stable_and_versioned() -> None:
    first = SarifReporter().render(make_document())
    second = SarifReporter().render(make_document())  # rebuilt from scratch
    assert first == second
    log = json.loads(first)
    by_fingerprint = {f.fingerprint: f for f in sample_findings()}
    for result in log["runs"][0]["results"]:
        fingerprints = result["partialFingerprints"]
        assert fingerprints["primaryLocationLineHash"] == fingerprints["auditorFingerprint/v1"]
        assert fingerprints["auditorFingerprint/v1"] in by_fingerprint
    assert len({r["partialFingerprints"]["auditorFingerprint/v1"] for r in log["runs"][0]["results"]}) == len(
        log["runs"][0]["results"]
    )
    # a changed message or evidence keeps the alert identity
    changed = [f.model_copy(update={"message": "reworded", "evidence": {"new": 1}}) for f in sample_findings()]
    again = json.loads(SarifReporter().render(make_document(changed)))
    assert [r["partialFingerprints"] for r in again["runs"][0]["results"]] == [
        r["partialFingerprints"] for r in log["runs"][0]["results"]
    ]


def test_suppressed_findings_carry_a_suppression() -> None:
    log = render(make_document())
    suppressed = [r for r in log["runs"][0]["results"] if "suppressions" in r]
    assert len(suppressed) == 1
    assert suppressed[0]["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": 'Break-glass key, kept in the safe <owner: "sec">',
            "properties": {"owner": "security", "expires": "2026-01-01"},
        }
    ]
    assert uri_of(suppressed[0]) == f"aws/{PROD}/iam/user/break-glass"


def test_omit_suppressed_option() -> None:
    document = make_document()
    log = render(document, SarifReporter(omit_suppressed=True))
    results = log["runs"][0]["results"]
    assert len(results) == len(document.findings) - 1
    assert all("suppressions" not in r for r in results)
    assert log["runs"][0]["properties"]["suppressed_results_omitted"] is True


def test_automation_details_id_is_stable_per_scope() -> None:
    assert render(make_document())["runs"][0]["automationDetails"]["id"] == f"aws-identity-auditor/{ORG_ID}/"
    single = make_document(organization_id=None, accounts=[DEV])
    assert render(single)["runs"][0]["automationDetails"]["id"] == f"aws-identity-auditor/{DEV}/"
    several = make_document(organization_id=None, accounts=[DEV, PROD])
    assert render(several)["runs"][0]["automationDetails"]["id"] == "aws-identity-auditor/default/"
    custom = SarifReporter(category="nightly scan/prod")
    assert render(make_document(), custom)["runs"][0]["automationDetails"]["id"] == f"nightly_scan/prod/{ORG_ID}/"
    # same scope, different moment: same id, so the upload replaces the previous one
    later = make_document(generated_at=make_document().generated_at.replace(year=2026))
    assert render(later)["runs"][0]["automationDetails"] == render(make_document())["runs"][0]["automationDetails"]


def test_coverage_gaps_and_notices_are_visible() -> None:
    log = render(make_document())
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is True
    notifications = invocation["toolExecutionNotifications"]
    gaps = [n for n in notifications if n["descriptor"]["id"] == "coverage-gap"]
    assert len(gaps) == 1
    assert gaps[0]["level"] == "error"
    assert "GenerateCredentialReport" in gaps[0]["message"]["text"]
    assert "AccessDenied" in gaps[0]["message"]["text"]
    assert PROD in gaps[0]["message"]["text"]
    assert gaps[0]["properties"]["error_code"] == "AccessDenied"
    notices = [n for n in notifications if n["descriptor"]["id"] == "notice"]
    assert notices and "expired" in notices[0]["message"]["text"]
    assert {d["id"] for d in log["runs"][0]["tool"]["driver"]["notifications"]} == {"coverage-gap", "notice"}
    assert log["runs"][0]["properties"]["coverage_gaps"] == 1


def test_hostile_strings_survive_intact_as_data() -> None:
    raw = SarifReporter().render(make_document())
    log = json.loads(raw)
    alice = results_by_rule(log)["USER-002"][0]
    assert alice["message"]["text"] == f"User alice signs in without MFA {HOSTILE}"
    assert alice["properties"]["evidence"]["user"] == HOSTILE
    assert alice["properties"]["evidence"]["nested"] == {"k": ["<b>", 1]}
    assert alice["properties"]["account_id"] == DEV
    assert alice["properties"]["account_name"] == "dev"


def test_finding_of_an_unlisted_rule_gets_a_stand_in_rule() -> None:
    orphan = finding("PLUGIN-001", DEV, "AWS::IAM::User", f"arn:aws:iam::{DEV}:user/z", "plug-in finding")
    log = render(make_document([*sample_findings(), orphan]))
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert rules[-1]["id"] == "PLUGIN-001"
    assert rules[-1]["name"] == "TitleOfPLUGIN001"


def test_baseline_state_is_passed_through() -> None:
    findings = [f.model_copy(update={"baseline_state": "unchanged"}) for f in sample_findings()]
    findings[0] = findings[0].model_copy(update={"baseline_state": "new"})
    log = render(make_document(findings))
    states = sorted(r["baselineState"] for r in log["runs"][0]["results"])
    assert states.count("new") == 1 and states.count("unchanged") == len(findings) - 1


def test_results_beyond_githubs_limit_are_left_out_worst_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sarif, "MAX_RESULTS_PER_RUN", 3)
    log = render(make_document())
    results = log["runs"][0]["results"]
    assert len(results) == 3
    assert results[0]["properties"]["severity"] == "critical"
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    truncated = [n for n in notes if n["descriptor"]["id"] == "results-truncated"]
    assert truncated and "5 lower-severity result(s) left out" in truncated[0]["message"]["text"]


def test_many_results_stay_under_the_limit() -> None:
    findings = [
        finding("KEY-002", DEV, "AWS::IAM::User", f"arn:aws:iam::{DEV}:user/u{i}", f"key {i}") for i in range(300)
    ]
    log = render(make_document(findings, errors=[]))
    assert len(log["runs"][0]["results"]) == 300


def test_rules_link_their_first_public_reference_and_the_driver_its_home_page() -> None:
    import tomllib

    from auditor import HOMEPAGE

    document = make_document()
    document.tool.information_uri = HOMEPAGE
    log = render(document)
    driver = log["runs"][0]["tool"]["driver"]
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["urls"]["Homepage"] == HOMEPAGE == driver["informationUri"]
    for rule in driver["rules"]:
        urls = [ref for ref in rule["help"]["text"].split() if ref.startswith("https://")]
        if urls:
            assert rule["helpUri"] == urls[0]
        else:
            assert "helpUri" not in rule
    assert "helpUri" in {key for rule in driver["rules"] for key in rule}


def test_file_findings_with_a_column_get_start_column() -> None:
    from auditor.findings import FileLocation

    document = make_document()
    cloud = document.findings[0]
    document.findings[1].location = FileLocation(path="src/app.py", line=12, column=7)
    log = render(document)
    regions = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r["locations"][0]["physicalLocation"][
            "region"
        ]
        for r in log["runs"][0]["results"]
    }
    assert regions["src/app.py"] == {"startLine": 12, "startColumn": 7}
    assert "startColumn" not in regions[sarif.artifact_uri(cloud)]  # a cloud resource has no column


def test_a_rule_whose_findings_vary_in_severity_is_rated_per_result() -> None:
    """GitHub takes ``security-severity`` from the rule only, over the result's level: SECRET-001 at 9.5 would show
    an info-level documentation example key as Critical. A rule whose findings here have other severities than
    its own has no rule-level score; each result carries its level and score. A rule whose findings all have its
    severity keeps its score (the alerts of a run with real keys only are rated as before)."""
    from report_fixtures import RULES, rule_info

    secret = rule_info("SECRET-001", "AWS access key in source files", "critical", "local")

    def key(path: str, severity: str) -> object:
        location = FileLocation(path=path, line=1, column=1)
        return finding("SECRET-001", None, "File", path, f"key in {path}", severity=severity, location=location)

    mixed = make_document([key("app.py", "critical"), key("README.md", "info"), key("ci.yml", "high")],
                          rules=[*RULES, secret], errors=[])  # fmt: skip
    log = render(mixed)
    descriptor = next(r for r in log["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "SECRET-001")
    assert "security-severity" not in descriptor["properties"]
    rated = {uri_of(r): (r["level"], r["properties"]["security-severity"]) for r in results_by_rule(log)["SECRET-001"]}
    assert rated == {"app.py": ("error", "9.5"), "ci.yml": ("error", "8.0"), "README.md": ("note", "0.0")}

    only_critical = render(make_document([key("app.py", "critical")], rules=[*RULES, secret], errors=[]))
    descriptor = next(r for r in only_critical["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "SECRET-001")
    assert descriptor["properties"]["security-severity"] == "9.5"
