"""The catalog is generated from rule metadata: the public contract (ids, titles, severities) and docs/rules.md."""

from __future__ import annotations

import re

import pytest
from conftest import REPO
from factories import builtin_rules

from auditor.engine.catalog import (
    REGENERATE_COMMAND,
    _markdown_text,
    catalog_rows,
    config_default,
    render_markdown,
    render_rule_text,
    what_it_checks,
)
from auditor.registry import RuleSet
from auditor.rule import rule

DOCS = REPO / "docs" / "rules.md"

# The v1 rule catalog: ids, titles and severities are a public contract (docs/rules.md).
CONTRACT = {
    "ROOT-001": ("critical", "Root user has access keys"),
    "ROOT-002": ("critical", "Root user has no MFA"),
    "ROOT-003": ("medium", "Root MFA is virtual, not hardware"),
    "ROOT-004": ("high", "Root user used recently"),
    "ORG-001": ("medium", "Account not in an AWS Organization"),
    "ORG-002": ("medium", "Centralized root access not enabled"),
    "IDC-001": ("high", "IAM Identity Center not enabled"),
    "IDC-002": ("medium", "Account reachable only without Identity Center"),
    "IDC-003": ("low", "Long sessions on a privileged permission set"),
    "IDC-004": ("info", "Session duration forces hourly sign-in"),
    "IDC-005": ("medium", "Administrator access in production"),
    "IDC-006": ("low", "Permission set assigned to a user, not a group"),
    "IDC-007": ("low", "Identity Center administered from the management account"),
    "USER-001": ("medium", "IAM user with console password"),
    "USER-002": ("high", "Console IAM user without MFA"),
    "USER-003": ("medium", "IAM user password unused"),
    "USER-004": ("low", "Policies attached directly to an IAM user"),
    "USER-005": ("high", "IAM user with administrator privileges"),
    "USER-006": ("high", "IAM users in the management account"),
    "KEY-001": ("high", "Active long-lived access key"),
    "KEY-002": ("medium", "Access key not rotated"),
    "KEY-003": ("medium", "Access key unused"),
    "KEY-004": ("low", "Two active access keys"),
    "KEY-005": ("low", "Access key created with the user and never used"),
    "ROLE-001": ("low", "Role allows long sessions"),
    "LOCAL-001": ("high", "Long-lived key in the AWS credentials file"),
    "LOCAL-002": ("low", "CLI profile without an sso-session"),
    "SECRET-001": ("critical", "AWS access key in source files"),
}
# Ids no rule may take (none reserved now: LOCAL-001, LOCAL-002 and SECRET-001 arrived with their sources).
RESERVED: set[str] = set()
PUBLIC_PAGE = re.compile(r"^https://docs\.aws\.amazon\.com/[^\s]+$")
# Documents users cannot open: background material the rules were first written from.
INTERNAL = re.compile(r"\bseeds?\b|shared/|\.\./", re.IGNORECASE)
CONFIG_USERS = {
    "ROOT-004": ("thresholds.root_usage_days",),
    "IDC-003": ("thresholds.privileged_session_max",),
    "IDC-005": ("production_patterns",),
    "USER-003": ("thresholds.unused_days",),
    "KEY-002": ("thresholds.max_key_age_days",),
    "KEY-003": ("thresholds.unused_days",),
    "ROLE-001": ("thresholds.role_session_max",),
}


@pytest.fixture(scope="module")
def builtin() -> RuleSet:
    return builtin_rules()


def test_catalog_matches_the_public_contract(builtin):
    rows = catalog_rows(builtin)
    assert [r[0] for r in rows] == sorted(CONTRACT)
    assert {rule_id: (severity, title) for rule_id, severity, _area, _source, title in rows} == CONTRACT
    assert all(isinstance(cell, str) for row in rows for cell in row)
    assert not RESERVED & {r[0] for r in rows}
    assert {source for *_, source, _title in rows} == {"aws", "local", "code"}


def test_every_rule_is_documented_and_cites_pages_a_user_can_open(builtin):
    for r in builtin.rules:
        assert r.check.__doc__, f"{r.id}: the check's docstring is the catalog's 'what it checks'"
        assert len(r.rationale) > 80 and len(r.remediation) > 40, r.id
        assert any(PUBLIC_PAGE.match(ref) for ref in r.references), f"{r.id} cites no AWS documentation page"
        for text in (r.title, r.rationale, r.remediation, what_it_checks(r), *r.references):
            assert not INTERNAL.search(text), f"{r.id} cites something users cannot open: {text[:80]!r}"
    for check in builtin.manual_checks:
        assert any(PUBLIC_PAGE.match(ref) for ref in check.references), check.id
        for text in (check.title, check.rationale, *check.steps, *check.references):
            assert not INTERNAL.search(text), f"{check.id}: {text[:80]!r}"


def test_security_hub_controls_link_their_control_page(builtin):
    for r in builtin.rules:
        for ref in r.references:
            match = re.match(r"^AWS Security Hub (IAM\.\d+)$", ref)
            if match:
                anchor = match.group(1).lower().replace(".", "-")
                page = f"https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#{anchor}"
                assert page in r.references, f"{r.id}: {ref} without its control page"


def test_cis_references_carry_both_versions(builtin):
    cis = re.compile(r"^CIS AWS Foundations Benchmark v(\d)\.0\.0 1\.(\d+)$")
    for r in builtin.rules:
        found = {}
        for ref in r.references:
            match = cis.match(ref)
            if match:
                found[match.group(1)] = int(match.group(2))
        if "3" in found or "5" in found:
            assert found.get("5") == found.get("3", 0) - 1 and found["3"] >= 4, f"{r.id}: {found}"


def test_config_keys_are_declared_and_real(builtin):
    declared = {r.id: r.config_keys for r in builtin.rules if r.config_keys}
    assert declared == CONFIG_USERS
    assert config_default("thresholds.unused_days") == 45
    assert config_default("thresholds.privileged_session_max") == "PT8H"


def test_docs_rules_md_is_up_to_date(builtin):
    expected = render_markdown(builtin)
    actual = DOCS.read_text(encoding="utf-8") if DOCS.exists() else ""
    assert actual == expected, f"docs/rules.md is out of date: regenerate it with `{REGENERATE_COMMAND}`"


def test_markdown_has_one_fixed_form_per_rule(builtin):
    text = render_markdown(builtin)
    for r in builtin.rules:
        section = text.split(f"## {r.id}: {r.title}\n", 1)[1].split("\n## ", 1)[0]
        headings = re.findall(r"^### (.+)$", section, flags=re.M)
        fix = ["Each finding's fix"] if r.fix is not None else []
        assert headings == ["What it checks", "Why it matters", "How to fix", *fix, "Configuration", "References"], r.id
        assert f"Default severity: **{r.severity.value}**" in section
    assert "- `thresholds.unused_days` (default `45`)" in text
    assert "## Manual checks" in text and "### MANUAL-001:" in text
    assert text.count("```") % 2 == 0  # every code block is closed


def test_markdown_text_formatting():
    text = (
        "Do this:\n$ aws iam list-users\n$ aws iam get-user\nThen <user> goes.\n> not a quote\n"
        "    [ini]\n    key = value"
    )
    assert _markdown_text(text) == (
        "Do this:\n\n```sh\naws iam list-users\naws iam get-user\n```\n\nThen \\<user> goes.\n\\> not a quote\n\n"
        "```text\n[ini]\nkey = value\n```"
    )
    assert _markdown_text("keep `<code>` as is") == "keep `<code>` as is"


def test_rule_text_for_the_terminal(builtin):
    text = render_rule_text(builtin.get("KEY-003"))
    assert text.startswith("KEY-003: Access key unused\nSeverity: medium    Area: access-keys    Source: aws\n")
    assert "Configuration:\n  thresholds.unused_days (default 45)" in text
    assert "  - CIS AWS Foundations Benchmark v3.0.0 1.12" in text


def test_pack_rules_without_docstring_or_config_render_too():
    @rule(id="PACK-001", title="A pack rule", severity="info", area="pack", rationale="why", remediation="fix")
    def check(inventory, config):
        return iter(())

    text = render_markdown(RuleSet(rules=[check]))
    assert "### What it checks\n\nA pack rule\n" in text
    assert "### Configuration\n\nNone.\n" in text
    assert "### References\n\nNone.\n" in text
