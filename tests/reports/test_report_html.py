"""report.html: escaping, CSP and self-containment at the markup level, then behaviour in real headless Chromium.

The browser tests drive Debian's chromium over the DevTools protocol (``bench/browser.py``) and skip, saying
why, where it is not installed (``apt-get install -y chromium``).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import markupsafe
import pytest
import report_fixtures
from conftest import REPO
from factories import fake_key_id
from html_checks import data_block, parse

from auditor.findings import (
    Finding,
    FindingsDocument,
    ManualCheck,
    RuleInfo,
    Scope,
    ScopeAccount,
    Severity,
    SimulatedFact,
    SuppressionRecord,
    make_fingerprint,
    summarize,
)
from auditor.inventory import CollectionError, ToolInfo
from auditor.reports.html import HtmlReporter, csp_hash, json_for_script
from bench.browser import Browser, BrowserError, Page, live_group_members

HOSTILE = '<script>alert(1)</script>"><img src=x onerror="window.__pwned=1;alert(1)"></script><!--'
HOSTILE_VARIANTS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "</script>"]
HOSTILE_TAG = f"tag-{HOSTILE}"
HOSTILE_NAME = f"name-{HOSTILE}"

MGMT, HOSTILE_ACCOUNT, PROD = "111111111111", "222222222222", "333333333333"
ACCOUNTS = [(MGMT, "management", True), (HOSTILE_ACCOUNT, HOSTILE_NAME, False), (PROD, "prod", False)]
RULES = [
    ("ROOT-002", "Root user has no MFA", Severity.CRITICAL, "root"),
    ("KEY-001", "Active long-lived access key", Severity.HIGH, "access-keys"),
    ("USER-002", "Console IAM user without MFA", Severity.HIGH, "iam-users"),
    ("KEY-003", "Access key unused", Severity.MEDIUM, "access-keys"),
    ("IDC-006", "Permission set assigned to a user, not a group", Severity.LOW, "identity-center"),
]
RATIONALE_MARK = "rationale-stored-once"
SIMULATED_NOTE = f"root credential report row {HOSTILE}"


def rule_info(rid: str, title: str, severity: Severity, area: str) -> RuleInfo:
    return RuleInfo(
        id=rid,
        title=title,
        severity=severity,
        area=area,
        rationale=f"{RATIONALE_MARK} for {rid}: {HOSTILE}",
        remediation=f"Remediate {rid}.",
        references=["CIS AWS Foundations v3.0.0 1.4", "https://docs.aws.amazon.com/IAM/", "javascript:alert(1)"],
    )


def make_document(
    n: int = 30,
    *,
    suppressed: int = 2,
    baseline: bool = False,
    simulated: bool = True,
    errors: bool = True,
) -> FindingsDocument:
    """``n`` findings cycling through RULES and ACCOUNTS (user-NNNN in every message), the last ``suppressed``
    of them suppressed, plus one hostile finding in the hostile account and one about no account. With
    ``simulated``, the first finding (user-0000) rests on a simulated fact (whose note is hostile)."""
    rules = [rule_info(*r) for r in RULES]
    findings: list[Finding] = []
    for i in range(n):
        rid, title, severity, _ = RULES[i % len(RULES)]
        account_id, account_name, _ = ACCOUNTS[i % len(ACCOUNTS)]
        resource = f"arn:aws:iam::{account_id}:user/user-{i:04d}"
        is_suppressed = i >= n - suppressed
        findings.append(
            Finding(
                fingerprint=make_fingerprint(rid, account_id, resource),
                rule_id=rid,
                title=title,
                severity=severity,
                account_id=account_id,
                account_name=account_name,
                resource_type="AWS::IAM::User",
                resource_id=resource,
                message=f"IAM user user-{i:04d} triggers {rid}.",
                evidence={"user_name": f"user-{i:04d}", "age_days": i},
                remediation=f"Remediate {rid}.",
                references=list(rules[i % len(RULES)].references),
                suppressed=is_suppressed,
                suppression=SuppressionRecord(reason=f"accepted risk {i}", owner="secops", expires=date(2027, 1, 31))
                if is_suppressed
                else None,
                baseline_state=("new" if i % 4 == 0 else "unchanged") if baseline else None,
                simulated=[SIMULATED_NOTE] if simulated and i == 0 else [],
            )
        )
    hostile_resource = f"arn:aws:iam::{HOSTILE_ACCOUNT}:user/hostile"
    findings.append(
        Finding(
            fingerprint=make_fingerprint("KEY-001", HOSTILE_ACCOUNT, hostile_resource),
            rule_id="KEY-001",
            title="Active long-lived access key",
            severity=Severity.HIGH,
            account_id=HOSTILE_ACCOUNT,
            account_name=HOSTILE_NAME,
            resource_type="AWS::IAM::User",
            resource_id=hostile_resource,
            message=f"hostile-finding {HOSTILE}",
            evidence={"tags": {"owner": HOSTILE_TAG}, "description": HOSTILE},
            remediation=f"Custom remediation {HOSTILE}",
            references=[],
            baseline_state="new" if baseline else None,
        )
    )
    findings.append(  # a rule the document has no metadata for, about no account
        Finding(
            fingerprint=make_fingerprint("LOCAL-001", None, "/home/dev/.aws/credentials"),
            rule_id="LOCAL-001",
            title="Long-lived key in the AWS credentials file",
            severity=Severity.HIGH,
            resource_type="File",
            resource_id="/home/dev/.aws/credentials",
            message=f"local-key {fake_key_id('EXAMPLEEXAMPLE12')} in [default]",
            remediation="Use an sso-session profile.",
            baseline_state="unchanged" if baseline else None,
        )
    )
    fixed = findings[:1] if baseline else []
    return FindingsDocument(
        tool=ToolInfo(name="aws-identity-auditor", version="9.8.7"),
        generated_at=datetime(2026, 10, 1, 6, 3, tzinfo=UTC),
        inventory_collected_at=datetime(2026, 10, 1, 6, 0, tzinfo=UTC),
        scope=Scope(
            organization_id="o-testorg123",
            management_account_id=MGMT,
            sources=["org:OrganizationAccountAccessRole"],
            accounts_scanned=[
                ScopeAccount(account_id=a, account_name=name, is_management=m) for a, name, m in ACCOUNTS
            ],
        ),
        summary=summarize(findings, fixed, with_baseline=baseline),
        findings=findings,
        fixed=fixed,
        errors=[
            CollectionError(
                account_id=PROD,
                region="us-east-1",
                service="iam",
                operation="GenerateCredentialReport",
                error_code="AccessDenied",
                message=f"denied {HOSTILE}",
            ),
        ]
        if errors
        else [],
        manual_checks=[
            ManualCheck(
                id="IDC-MFA",
                title=f"Identity Center MFA {HOSTILE}",
                rationale=f"why {HOSTILE}",
                steps=[f"step one {HOSTILE}", "step two"],
                references=["https://docs.aws.amazon.com/singlesignon/"],
            ),
        ],
        rules=[rule_info(*r) for r in RULES],
        notices=[f"plain notice {HOSTILE}"],
        simulated=[SimulatedFact(account_id=MGMT, resource_types=("AWS::IAM::User",), note=SIMULATED_NOTE)]
        if simulated
        else [],
    )


def render_text(document: FindingsDocument) -> str:
    return HtmlReporter().render(document).decode("utf-8")


# ------------------------------------------------------------------------------------ markup level


def test_render_is_deterministic_bytes() -> None:
    document = make_document()
    first = HtmlReporter().render(document)
    assert isinstance(first, bytes)
    assert first == HtmlReporter().render(document)
    assert first.startswith(b"<!DOCTYPE html>")


def test_hostile_strings_never_become_markup() -> None:
    text = render_text(make_document())
    for variant in HOSTILE_VARIANTS[:2] + [HOSTILE, "<img", "<!--", "alert(1)</script>"]:
        assert variant not in text, variant
    assert text.count("</script>") == 2  # the data block's and the inline script's own
    markup = parse(text)
    assert [t for t, _ in markup.tags if t == "img"] == []
    assert [(t, a) for t, attrs in markup.tags for a in attrs if a.startswith("on")] == []
    scripts = [(attrs, body) for tag, attrs, body in markup.raw_blocks if tag == "script"]
    assert [attrs for attrs, _ in scripts] == [{"type": "application/json", "id": "data"}, {}]
    # Server-rendered places show the hostile text escaped: account name, manual check, error, notice.
    escaped = str(markupsafe.escape(HOSTILE))  # &lt; &gt; &amp; &#34; &#39;, as jinja2 writes them
    assert text.count(escaped) >= 6
    assert str(markupsafe.escape(HOSTILE_NAME)) in text


def test_data_block_cannot_close_its_script_and_round_trips() -> None:
    document = make_document()
    body = data_block(render_text(document))
    assert "<" not in body and ">" not in body and "&" not in body
    assert "\\u003c/script\\u003e" in body
    data = json.loads(body)
    hostile = next(f for f in data["findings"] if f["m"].startswith("hostile-finding"))
    assert hostile["m"] == f"hostile-finding {HOSTILE}"
    assert hostile["e"]["tags"]["owner"] == HOSTILE_TAG
    assert data["accounts"][hostile["a"]]["name"] == HOSTILE_NAME
    assert hostile["d"] == f"Custom remediation {HOSTILE}"  # differs from the rule's: carried by the finding


def test_json_for_script_escapes() -> None:
    value = {"k": "</script><!-- & \u2028 '\""}
    text = json_for_script(value)
    assert not set("<>&") & set(text)
    assert json.loads(text) == value
    # evidence values that are not JSON types serialise as in findings.json (pydantic's rules)
    assert json.loads(json_for_script({"at": datetime(2025, 1, 1, tzinfo=UTC), "on": date(2025, 1, 2)})) == {
        "at": "2025-01-01T00:00:00Z",
        "on": "2025-01-02",
    }


def test_csp_allows_exactly_the_inline_blocks() -> None:
    text = render_text(make_document())
    markup = parse(text)
    metas = [
        a for t, a in markup.tags if t == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy"
    ]
    assert len(metas) == 1
    policy = metas[0]["content"] or ""
    directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
    assert directives["default-src"] == ["'none'"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "http" not in policy
    scripts = [body for tag, attrs, body in markup.raw_blocks if tag == "script" and "type" not in attrs]
    styles = [body for tag, _, body in markup.raw_blocks if tag == "style"]
    assert len(scripts) == 1 and len(styles) == 1
    assert directives["script-src"] == [csp_hash(scripts[0])]
    assert directives["style-src"] == [csp_hash(styles[0])]
    assert directives["base-uri"] == ["'none'"]
    # the meta comes before anything it governs
    assert text.index("Content-Security-Policy") < text.index("<style>") < text.index("<script")
    # style attributes would be blocked by this CSP: there must be none
    assert [t for t, attrs in markup.tags if "style" in attrs] == []


def test_no_external_assets() -> None:
    text = render_text(make_document())
    markup = parse(text)
    for tag, attrs in markup.tags:
        assert "src" not in attrs, tag
        assert tag not in ("link", "iframe", "object", "embed", "img", "base", "audio", "video"), tag
        if "href" in attrs:
            href = attrs["href"] or ""
            # in-page anchors, and reference links a person may follow; never a resource the page loads
            assert tag == "a" and (href.startswith("#") or href.startswith("https://")), (tag, href)
        if tag == "form":
            assert "action" not in attrs
    for tag, _, body in markup.raw_blocks:
        if tag == "style":
            assert "url(" not in body and "@import" not in body and "@font-face" not in body
    assert "javascript:" not in text.replace("javascript:alert(1)", "")  # only the (inert) reference text


def test_header_banners_and_server_rendered_sections() -> None:
    document = make_document()
    text = render_text(document)
    assert "o-testorg123" in text
    assert '<dd id="meta-accounts">3</dd>' in text
    assert "2026-10-01 06:03:00 UTC" in text and "2026-10-01 06:00:00 UTC" in text
    assert "aws-identity-auditor 9.8.7" in text
    assert 'id="simulated-banner"' in text and "Simulated data." in text
    assert 'id="incomplete-banner"' in text and "Scan incomplete." in text
    # coverage gaps table with every column
    for value in (PROD, "us-east-1", "GenerateCredentialReport", "AccessDenied", "denied &lt;script&gt;"):
        assert value in text
    # manual checks with steps
    assert "step two" in text and "IDC-MFA" in text
    # summary counts by severity = active findings
    active = Counter(f.severity.value for f in document.findings if not f.suppressed)
    for sev in Severity:
        assert f'id="count-{sev.value}">{active.get(sev.value, 0)}<' in text
    # without simulated notices or errors: no banners
    quiet = render_text(make_document(simulated=False, errors=False))
    assert 'id="simulated-banner"' not in quiet and 'id="incomplete-banner"' not in quiet
    assert "plain notice" in quiet


def test_the_numbers_the_summary_holds_come_from_the_summary() -> None:
    """The page does not count again what the document's summary already says (a merged or baselined document's
    summary is the one its producer computed); only what it does not hold (per account, area, rule) is counted."""
    document = make_document(n=10, baseline=True)
    document.summary = document.summary.model_copy(
        update={
            "total": 9001,
            "active": 4242,
            "suppressed": 77,
            "by_severity": {"critical": 0, "high": 0, "medium": 3131, "low": 0, "info": 0},
            "new": 555,
            "unchanged": 666,
            "fixed": 888,
            "not_reverified": 999,
        }
    )
    text = render_text(document)
    cards = text[text.index('id="summary"') : text.index('id="fix-first"')]
    for number, label in [
        ("4,242", "active findings"),
        ("77", "suppressed"),
        ("555", "new since baseline"),
        ("666", "unchanged"),
        ("888", "fixed"),
        ("999", "not re-verified (carried, open)"),
    ]:
        assert f'<span class="num">{number}</span><span class="lbl">{label}</span>' in cards, label
    assert 'id="count-medium">3,131<' in cards and 'id="count-high">0<' in cards
    assert ">Findings (9,001)</a>" in text and "show suppressed (77)" in text
    # the overview's total cell is the summary's active count, coloured by its worst severity
    assert '<td class="n cell sev-medium">4,242</td></tr>' in text


def test_overview_matrix_counts_and_worst_severity() -> None:
    document = make_document(n=30, suppressed=0)
    text = render_text(document)
    table = text[text.index('id="overview-table"') : text.index("</table>", text.index('id="overview-table"'))]
    header = re.findall(r'<th class="n">([^<]*)</th>', table)
    assert header == ["root", "access-keys", "iam-users", "identity-center", "other", "Total"]
    rules = {r[0]: r for r in RULES}
    expected: dict[tuple[str, str], list[Severity]] = {}
    for f in document.findings:
        area = rules[f.rule_id][3] if f.rule_id in rules else "other"
        expected.setdefault((f.account_id or "-", area), []).append(f.severity)
    for (account, area), severities in expected.items():
        worst = max(severities, key=lambda s: s.rank).value
        cell = (
            f'<td class="n cell sev-{worst}"><button type="button" class="link" data-filter-account="{account}" '
            f'data-filter-area="{area}" title="{worst}">{len(severities)}</button></td>'
        )
        assert cell in table, (account, area)


def test_rule_metadata_stored_once_per_rule() -> None:
    document = make_document(n=60)
    text = render_text(document)
    data = json.loads(data_block(text))
    for rid, *_ in RULES:
        # rationale once (in the rules table of the JSON), never per finding
        assert text.count(f"{RATIONALE_MARK} for {rid}") == 1
    ordinary = [f for f in data["findings"] if not f["m"].startswith(("hostile", "local"))]
    assert all("d" not in f and "f" not in f and "x" not in f for f in ordinary)
    unknown = next(r for r in data["rules"] if r["id"] == "LOCAL-001")
    assert unknown["area"] == "other" and unknown["remediation"] == "Use an sso-session profile."


def test_suppression_and_baseline_in_payload() -> None:
    document = make_document(n=10, suppressed=2, baseline=True)
    text = render_text(document)
    data = json.loads(data_block(text))
    suppressed = [f for f in data["findings"] if "u" in f]
    assert len(suppressed) == 2
    assert suppressed[0]["u"] == {
        "reason": "accepted risk 8",
        "owner": "secops",
        "expires": "2027-01-31",
        "expired": False,
    }
    assert Counter(f.get("b") for f in data["findings"]) == Counter(
        {"new": 1, "unchanged": 2}.get(f.baseline_state or "", 0) for f in document.findings
    )
    assert 'id="f-baseline"' in text and "new since baseline" in text and 'id="fixed"' in text
    assert 'id="f-baseline"' not in render_text(make_document())


def test_empty_document_renders() -> None:
    document = FindingsDocument(
        tool=ToolInfo(name="aws-identity-auditor", version="0"),
        generated_at=datetime(2026, 1, 1, tzinfo=UTC),
        scope=Scope(),
        summary=summarize([]),
    )
    text = render_text(document)
    assert "No findings." in text
    assert json.loads(data_block(text))["findings"] == []


def test_shared_reporter_fixture_is_escaped() -> None:
    """The reporters' common fixture: control characters, bidi override, quotes, markup in an error message."""
    text = render_text(report_fixtures.make_document())
    assert '<script>alert("x")' not in text and "<b>" not in text
    assert "&lt;b&gt;bold&lt;/b&gt;" in text
    markup = parse(text)
    assert [t for t, _ in markup.tags if t in ("b", "img")] == []
    assert len([t for t, _ in markup.tags if t == "script"]) == 2


def test_templates_ship_as_package_data() -> None:
    templates = resources.files("reports") / "templates"
    for name in ("report.html.j2", "report.js", "report.css"):
        assert (templates / name).is_file(), name
    pyproject = (REPO / "pyproject.toml").read_text()
    assert '"templates/*"' in pyproject


# --------------------------------------------------------------------------------------- in Chromium


def open_report(page: Page, tmp_path: Path, document: FindingsDocument, name: str = "report.html") -> Path:
    path = tmp_path / name
    path.write_bytes(HtmlReporter().render(document))
    page.goto(path.as_uri())
    page.wait_for("document.getElementById('findings').dataset.state === 'ready'")
    return path


def set_control(page: Page, control_id: str, value: str | bool) -> None:
    page.evaluate(
        "(function (id, value) {"
        "  var c = document.getElementById(id);"
        "  if (c.type === 'checkbox') c.checked = value; else c.value = value;"
        "  c.dispatchEvent(new Event(c.type === 'search' ? 'input' : 'change', {bubbles: true}));"
        f"}})({json.dumps(control_id)}, {json.dumps(value)})"
    )


def visible(page: Page) -> dict[str, Any]:
    return page.evaluate(
        "(function () {"
        "  var rows = Array.prototype.slice.call(document.querySelectorAll('#rows tr.row'));"
        "  return {"
        "    count: rows.length,"
        "    matching: Number(document.getElementById('status').getAttribute('data-matching')),"
        "    status: document.getElementById('status').textContent,"
        "    severities: rows.map(function (r) { return r.querySelector('.badge').textContent; }),"
        "    rules: rows.map(function (r) { return r.cells[1].textContent; }),"
        "    accounts: rows.map(function (r) { return r.cells[2].textContent; }),"
        "    messages: rows.map(function (r) { return r.cells[4].textContent; }),"
        "    more: !document.getElementById('more').hidden"
        "  };"
        "})()"
    )


def assert_clean(page: Page, path: Path) -> None:
    assert page.console_errors() == []
    assert page.exceptions == []
    assert page.dialogs == []
    assert page.requests == [path.as_uri()]


def active(document: FindingsDocument) -> list[Finding]:
    return [f for f in document.findings if not f.suppressed]


@pytest.mark.slow  # drives headless Chromium
def test_page_loads_without_errors_or_requests(page: Page, tmp_path: Path) -> None:
    document = make_document(n=30)
    path = open_report(page, tmp_path, document)
    shown = visible(page)
    assert shown["count"] == shown["matching"] == len(active(document))
    assert not shown["more"]
    assert page.evaluate("document.getElementById('meta-org').textContent") == "o-testorg123"
    assert_clean(page, path)


@pytest.mark.slow  # drives headless Chromium
def test_filters_and_search_change_the_visible_rows(page: Page, tmp_path: Path) -> None:
    document = make_document(n=60)
    path = open_report(page, tmp_path, document)
    live = active(document)

    set_control(page, "f-severity", "high")
    shown = visible(page)
    assert shown["count"] == sum(1 for f in live if f.severity is Severity.HIGH)
    assert set(shown["severities"]) == {"high"}

    set_control(page, "f-account", PROD)
    shown = visible(page)
    assert shown["count"] == sum(1 for f in live if f.severity is Severity.HIGH and f.account_id == PROD) > 0
    assert all(a == f"prod ({PROD})" for a in shown["accounts"])

    page.evaluate("document.getElementById('f-reset').click()")
    assert visible(page)["count"] == len(live)

    set_control(page, "f-rule", "KEY-003")
    shown = visible(page)
    assert shown["count"] == sum(1 for f in live if f.rule_id == "KEY-003") > 0
    assert set(shown["rules"]) == {"KEY-003"}

    set_control(page, "f-rule", "")
    set_control(page, "f-area", "access-keys")
    assert set(visible(page)["rules"]) == {"KEY-001", "KEY-003"}
    set_control(page, "f-area", "")

    set_control(page, "f-search", "user-0042")  # message, resource and evidence of one finding
    shown = visible(page)
    assert shown["count"] == 1 and "user-0042" in shown["messages"][0]

    set_control(page, "f-search", "USER-00 prod")  # terms are ANDed, case-insensitive
    assert visible(page)["count"] == sum(1 for f in live if "user-00" in f.message and f.account_id == PROD)

    set_control(page, "f-search", "no-such-text-anywhere")
    shown = visible(page)
    assert shown["count"] == 0 and shown["matching"] == 0
    assert_clean(page, path)


@pytest.mark.slow  # drives headless Chromium
def test_only_a_window_of_rows_is_rendered(page: Page, tmp_path: Path) -> None:
    document = make_document(n=450, suppressed=0)
    path = open_report(page, tmp_path, document)
    total = len(active(document))  # 452
    shown = visible(page)
    assert (shown["count"], shown["matching"], shown["more"]) == (200, total, True)
    assert shown["status"].startswith(f"Showing 200 of {total}")
    page.evaluate("document.getElementById('more').click()")
    assert visible(page)["count"] == 400
    page.evaluate("document.getElementById('more').click()")
    shown = visible(page)
    assert (shown["count"], shown["more"]) == (total, False)
    assert shown["status"].startswith(f"Showing {total} of {total}")
    assert_clean(page, path)


@pytest.mark.slow  # drives headless Chromium
def test_suppressed_findings_hidden_behind_a_toggle(page: Page, tmp_path: Path) -> None:
    document = make_document(n=20, suppressed=3)
    path = open_report(page, tmp_path, document)
    shown = visible(page)
    assert shown["count"] == len(active(document))
    assert "3 suppressed hidden" in shown["status"]
    set_control(page, "f-suppressed", True)
    shown = visible(page)
    assert shown["count"] == len(document.findings)
    assert sum("suppressed" in m for m in shown["messages"]) == 3
    set_control(page, "f-search", "user-0019")
    page.evaluate("document.querySelector('#rows tr.row').click()")
    detail = page.evaluate("document.querySelector('#rows tr.detail').textContent")
    assert "accepted risk 19" in detail and "2027-01-31" in detail and "secops" in detail
    assert_clean(page, path)


@pytest.mark.slow  # drives headless Chromium
def test_baseline_state_shown_and_filterable(page: Page, tmp_path: Path) -> None:
    document = make_document(n=20, baseline=True)
    path = open_report(page, tmp_path, document)
    set_control(page, "f-baseline", "new")
    shown = visible(page)
    assert shown["count"] == sum(1 for f in active(document) if f.baseline_state == "new") > 0
    assert all(m.endswith("new") for m in shown["messages"])
    assert_clean(page, path)


@pytest.mark.slow  # drives headless Chromium
def test_details_expand_on_click_with_evidence_and_rule_metadata(page: Page, tmp_path: Path) -> None:
    document = make_document(n=10)
    path = open_report(page, tmp_path, document)
    set_control(page, "f-search", "user-0001")
    page.evaluate("document.querySelector('#rows tr.row').click()")
    detail = page.evaluate(
        "(function () { var d = document.querySelector('#rows tr.detail');"
        " return {text: d.textContent, evidence: JSON.parse(d.querySelector('pre').textContent),"
        " links: Array.prototype.map.call(d.querySelectorAll('a'), function (a) { return a.href; })}; })()"
    )
    assert detail["evidence"] == {"user_name": "user-0001", "age_days": 1}
    assert "Remediate KEY-001." in detail["text"] and f"{RATIONALE_MARK} for KEY-001" in detail["text"]
    assert "javascript:alert(1)" in detail["text"]  # shown as text ...
    assert detail["links"] == ["https://docs.aws.amazon.com/IAM/"]  # ... only https references are links
    page.evaluate("document.querySelector('#rows tr.row').click()")
    assert page.evaluate("document.querySelectorAll('#rows tr.detail').length") == 0
    assert_clean(page, path)


@pytest.mark.slow  # drives headless Chromium
def test_a_finding_resting_on_simulated_data_is_marked_in_the_list_and_its_details(page: Page, tmp_path: Path) -> None:
    document = make_document(n=10)
    path = open_report(page, tmp_path, document)
    rows = page.evaluate(
        "Array.prototype.map.call(document.querySelectorAll('#rows tr.row'), function (r) {"
        "  var mark = r.querySelector('.simulated-mark');"
        "  return [r.cells[3].querySelector('.rname').textContent, mark ? mark.title : null]; })"
    )
    marked = {name: title for name, title in rows if title is not None}
    assert marked == {"user-0000": f"rests on simulated data: {SIMULATED_NOTE}"}  # the note as text, not markup
    set_control(page, "f-search", "simulated")  # the mark can be searched for
    assert visible(page)["count"] == 1
    page.evaluate("document.querySelector('#rows tr.row').click()")
    detail = page.evaluate(
        "(function () { var d = document.querySelector('#rows tr.detail');"
        " return [d.textContent, Array.prototype.map.call(d.querySelectorAll('ul.simulated-notes li'),"
        " function (li) { return li.textContent; })]; })()"
    )
    assert "Simulated data this finding rests on" in detail[0]
    assert detail[1] == [SIMULATED_NOTE]
    set_control(page, "f-search", "user-0001")
    page.evaluate("document.querySelector('#rows tr.row').click()")
    plain = page.evaluate("document.querySelector('#rows tr.detail').textContent")
    assert "Simulated data" not in plain
    resource = page.evaluate("document.querySelector('#rows tr.row').cells[3].textContent")
    assert resource == f"AWS::IAM::Useruser-0001arn:aws:iam::{HOSTILE_ACCOUNT}:user/user-0001"  # type, name, ARN
    assert_clean(page, path)


@pytest.mark.slow  # drives headless Chromium
def test_hostile_values_render_as_text(page: Page, tmp_path: Path) -> None:
    document = make_document(n=10)
    path = open_report(page, tmp_path, document)
    set_control(page, "f-search", "hostile-finding")
    shown = visible(page)
    assert shown["count"] == 1
    assert shown["messages"][0].startswith(f"hostile-finding {HOSTILE}")
    assert shown["accounts"] == [f"{HOSTILE_NAME} ({HOSTILE_ACCOUNT})"]
    page.evaluate("document.querySelector('#rows tr.row').click()")
    evidence = page.evaluate("JSON.parse(document.querySelector('#rows tr.detail pre').textContent)")
    assert evidence["tags"]["owner"] == HOSTILE_TAG
    # searching a tag value finds it too (evidence is searchable)
    set_control(page, "f-search", "tag-<script>")
    assert visible(page)["count"] == 1
    server_text = page.evaluate(
        "document.getElementById('by-account').textContent + document.getElementById('manual-checks').textContent"
        " + document.getElementById('errors').textContent"
    )
    assert HOSTILE_NAME in server_text and f"step one {HOSTILE}" in server_text and f"denied {HOSTILE}" in server_text
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 2
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert_clean(page, path)  # includes: no dialog opened


@pytest.mark.slow  # drives headless Chromium
def test_shared_reporter_fixture_in_chromium(page: Page, tmp_path: Path) -> None:
    document = report_fixtures.make_document()
    path = open_report(page, tmp_path, document)
    assert visible(page)["count"] == len(active(document))
    set_control(page, "f-search", "alice")
    shown = visible(page)
    assert shown["count"] == 1
    page.evaluate("document.querySelector('#rows tr.row').click()")
    found = page.evaluate(
        "(function () { var d = document.querySelector('#rows tr.detail');"
        " return {message: d.querySelector('p.msg').textContent,"
        " evidence: JSON.parse(d.querySelector('pre').textContent)}; })()"
    )
    assert found["message"] == f"User alice signs in without MFA {report_fixtures.HOSTILE}"
    assert found["evidence"]["user"] == report_fixtures.HOSTILE
    set_control(page, "f-search", "credentials:3")  # a file finding shows its location
    assert visible(page)["rules"] == ["LOCAL-001"]
    set_control(page, "f-search", "break-glass")
    set_control(page, "f-suppressed", True)
    page.evaluate("document.querySelector('#rows tr.row').click()")
    detail = page.evaluate("document.querySelector('#rows tr.detail').textContent")
    assert 'Break-glass key, kept in the safe <owner: "sec">' in detail and "2026-01-01" in detail
    assert page.evaluate("document.querySelectorAll('b, img').length") == 0
    assert_clean(page, path)


@pytest.mark.slow  # drives headless Chromium
def test_overview_cell_filters_the_list(page: Page, tmp_path: Path) -> None:
    document = make_document(n=30)
    path = open_report(page, tmp_path, document)
    page.evaluate(
        f'document.querySelector(\'#overview-table button[data-filter-account="{PROD}"]'
        '[data-filter-area="access-keys"]\').click()'
    )
    shown = visible(page)
    assert (
        shown["count"]
        == sum(1 for f in active(document) if f.account_id == PROD and f.rule_id in ("KEY-001", "KEY-003"))
        > 0
    )
    assert page.evaluate("[document.getElementById('f-account').value, document.getElementById('f-area').value]") == [
        PROD,
        "access-keys",
    ]
    assert_clean(page, path)


@pytest.mark.slow  # drives headless Chromium
def test_csp_is_enforced_and_violations_are_caught(page: Page, tmp_path: Path) -> None:
    """Tamper with the inline script: its hash no longer matches, Chromium refuses to run it and says so."""
    path = tmp_path / "tampered.html"
    text = render_text(make_document())
    path.write_text(text.replace('"use strict";', '"use strict"; /* tampered */', 1), encoding="utf-8")
    page.goto(path.as_uri())
    page.wait_for("document.readyState === 'complete'")
    assert page.evaluate("document.getElementById('findings').dataset.state") == "loading"
    assert any("Content Security Policy" in (m["text"] or "") for m in page.console_errors())


@pytest.mark.slow  # drives headless Chromium
def test_browser_leaves_no_process_behind(chromium: str) -> None:
    with Browser.launch(chromium) as instance:
        pid = instance.pid
        instance.new_page().goto("about:blank")
    assert live_group_members(pid) == []
    with pytest.raises(BrowserError):
        instance.call("Browser.getVersion")
