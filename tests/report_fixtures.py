"""Hand-built findings documents for the reporter and baseline tests (no AWS, no rule engine).

The document covers what reporters must survive: several cloud resource types, a file finding with a location,
a suppressed finding, an info finding, a finding whose rule is not in ``rules``-less documents, hostile strings
(markup, quotes, newlines, terminal escapes, bidi overrides, non-Latin text) in messages and evidence, a
coverage gap, a manual check and a notice.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from factories import fake_key_id

from auditor.findings import (
    FileLocation,
    Finding,
    FindingsDocument,
    ManualCheck,
    RuleInfo,
    Scope,
    ScopeAccount,
    Severity,
    SuppressionRecord,
    make_fingerprint,
    summarize,
)
from auditor.inventory import CollectionError, ToolInfo

MGMT = "111111111111"
DEV = "222222222222"
PROD = "333333333333"
ORG_ID = "o-abc123def4"
GENERATED_AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
COLLECTED_AT = datetime(2025, 3, 1, 11, 58, 30, tzinfo=UTC)

HOSTILE = (
    '<script>alert("x")</script> it\'s "quoted"\nsecond line\r\ttab \x1b[31mred\x1b[0m \u202eevil ünïcödé 日本語 🔑'
)


def rule_info(rule_id: str, title: str, severity: str, area: str, **extra: Any) -> RuleInfo:
    return RuleInfo(
        id=rule_id,
        title=title,
        severity=Severity(severity),
        area=area,
        rationale=extra.get("rationale", f"Why {title.lower()} matters."),
        remediation=extra.get("remediation", f"Fix: {title.lower()}."),
        references=extra.get("references", ["CIS AWS Foundations v3.0.0 1.4", "https://docs.aws.amazon.com/IAM/"]),
    )


RULES = [
    rule_info("ROOT-001", "Root user has access keys", "critical", "root"),
    rule_info(
        "USER-002",
        "Console IAM user without MFA",
        "high",
        "users",
        rationale="A password alone is phished easily. " * 60,  # > 1024 characters: must be shortened in SARIF
    ),
    rule_info("KEY-002", "Access key not rotated", "medium", "access-keys", remediation="Rotate <key> & retire it."),
    rule_info("IDC-006", "Permission set assigned to a user, not a group", "low", "identity-center", references=[]),
    rule_info("IDC-004", "Session duration forces hourly sign-in", "info", "identity-center"),
    rule_info("ORG-001", "Account not in an AWS Organization", "medium", "organization"),
    rule_info("LOCAL-001", "Long-lived key in the AWS credentials file", "high", "local"),
]
_RULES_BY_ID = {r.id: r for r in RULES}


def finding(
    rule_id: str,
    account_id: str | None,
    resource_type: str,
    resource_id: str,
    message: str,
    *,
    discriminator: str = "",
    severity: str | None = None,
    **extra: Any,
) -> Finding:
    rule = _RULES_BY_ID.get(rule_id)
    names = {MGMT: "management", DEV: "dev", PROD: "prod"}
    return Finding(
        fingerprint=make_fingerprint(rule_id, account_id, resource_id, discriminator),
        rule_id=rule_id,
        title=rule.title if rule else f"Title of {rule_id}",
        severity=Severity(severity) if severity else (rule.severity if rule else Severity.LOW),
        account_id=account_id,
        account_name=names.get(account_id or ""),
        resource_type=resource_type,
        resource_id=resource_id,
        message=message,
        remediation=rule.remediation if rule else "Do the thing.",
        references=list(rule.references) if rule else [],
        **extra,
    )


def sample_findings() -> list[Finding]:
    return [
        finding("ROOT-001", MGMT, "AWS::IAM::Root", f"arn:aws:iam::{MGMT}:root", "Root user has an active access key"),
        finding(
            "USER-002",
            DEV,
            "AWS::IAM::User",
            f"arn:aws:iam::{DEV}:user/ops/alice",
            f"User alice signs in without MFA {HOSTILE}",
            evidence={"user": HOSTILE, "password_last_used": "2025-02-01T00:00:00Z", "nested": {"k": ["<b>", 1]}},
        ),
        finding(
            "LOCAL-001",
            None,
            "Local::CredentialsFile",
            "config/aws credentials",
            "Long-lived key AKIAIOSFODNN7EXAMPLE in profile [default]",
            location=FileLocation(path="config/aws credentials", line=3),
            evidence={"profile": "default", "access_key_id": "AKIAIOSFODNN7EXAMPLE"},
        ),
        finding(
            "KEY-002",
            DEV,
            "AWS::IAM::User",
            f"arn:aws:iam::{DEV}:user/bob",
            f"Access key {fake_key_id('EXAMPLEBOB000001')} is 400 days old",
            discriminator=fake_key_id("EXAMPLEBOB000001"),
            evidence={"access_key_id": fake_key_id("EXAMPLEBOB000001"), "age_days": 400},
        ),
        finding(
            "KEY-002",
            PROD,
            "AWS::IAM::User",
            f"arn:aws:iam::{PROD}:user/break-glass",
            f"Access key {fake_key_id('EXAMPLEBREAK0001')} is 200 days old",
            discriminator=fake_key_id("EXAMPLEBREAK0001"),
            suppressed=True,
            suppression=SuppressionRecord(
                reason='Break-glass key, kept in the safe <owner: "sec">', owner="security", expires=date(2026, 1, 1)
            ),
        ),
        finding("ORG-001", PROD, "AWS::Organizations::Account", PROD, "Account is not in an organization"),
        finding(
            "IDC-006",
            MGMT,
            "AWS::SSO::PermissionSet",
            "arn:aws:sso:::permissionSet/ssoins-7223a1b2c3d4e5f6/ps-0123456789abcdef",
            "AdministratorAccess is assigned to user carol@example.com in prod",
            discriminator=PROD,
        ),
        finding(
            "IDC-004",
            MGMT,
            "AWS::SSO::PermissionSet",
            "arn:aws:sso:::permissionSet/ssoins-7223a1b2c3d4e5f6/ps-fedcba9876543210",
            "ReadOnly has the default 1 hour session",
        ),
    ]


def coverage_error() -> CollectionError:
    return CollectionError(
        account_id=PROD,
        region="us-east-1",
        service="iam",
        operation="GenerateCredentialReport",
        error_code="AccessDenied",
        message=f"User: arn:aws:sts::{PROD}:assumed-role/Audit/x is not authorized <b>bold</b>\nsecond line",
    )


def make_document(
    findings: list[Finding] | None = None,
    *,
    errors: list[CollectionError] | None = None,
    rules: list[RuleInfo] | None = None,
    organization_id: str | None = ORG_ID,
    accounts: list[str] | None = None,
    generated_at: datetime = GENERATED_AT,
    notices: list[str] | None = None,
    manual: bool = True,
) -> FindingsDocument:
    findings = sample_findings() if findings is None else findings
    account_ids = [MGMT, DEV, PROD] if accounts is None else accounts
    names = {MGMT: "management", DEV: "dev", PROD: "prod"}
    return FindingsDocument(
        tool=ToolInfo(name="aws-identity-auditor", version="0.1.0"),
        generated_at=generated_at,
        inventory_collected_at=COLLECTED_AT,
        scope=Scope(
            organization_id=organization_id,
            management_account_id=MGMT if organization_id else None,
            sources=["org"],
            accounts_scanned=[
                ScopeAccount(account_id=a, account_name=names.get(a), is_management=a == MGMT) for a in account_ids
            ],
        ),
        summary=summarize(findings),
        findings=findings,
        errors=[coverage_error()] if errors is None else errors,
        manual_checks=(
            [
                ManualCheck(
                    id="IDC-MFA",
                    title="Identity Center MFA settings",
                    rationale="No public API reads them.",
                    steps=["Open the IAM Identity Center console", "Settings > Authentication > MFA"],
                )
            ]
            if manual
            else []
        ),
        rules=list(RULES) if rules is None else rules,
        notices=["suppression #2 (rule KEY-001, reason: x) expired on 2025-01-01; its findings count again"]
        if notices is None
        else notices,
    )


def clean_document(**kwargs: Any) -> FindingsDocument:
    """No findings, no errors: a clean scan."""
    return make_document([], errors=[], notices=[], **kwargs)
