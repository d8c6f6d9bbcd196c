"""Console table: the summary a person reads first, safe to print whatever the names and messages contain."""

from __future__ import annotations

import pytest
from factories import fake_key_id
from report_fixtures import (
    DEV,
    HOSTILE,
    ORG_ID,
    PROD,
    clean_document,
    finding,
    make_document,
    sample_findings,
)

from auditor.engine.baseline import apply_baseline
from auditor.reports import table
from auditor.reports.table import TableReporter


@pytest.fixture(autouse=True)
def _terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")  # shutil.get_terminal_size reads it first


def text(document=None, reporter: TableReporter | None = None) -> str:
    raw = (reporter or TableReporter()).render(make_document() if document is None else document)
    assert isinstance(raw, bytes)
    return raw.decode("utf-8")


def section(output: str, title: str) -> list[str]:
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start:end]


def test_header_and_counts() -> None:
    output = text()
    first = output.splitlines()[0]
    assert "aws-identity-auditor 0.1.0" in first
    assert ORG_ID in first
    assert "3 accounts" in first
    assert "collected 2025-03-01 11:58 UTC" in first
    assert "Findings: 7 active (critical 1 high 2 medium 2 low 1 info 1), 1 suppressed" in output


def test_by_account() -> None:
    rows = section(text(), "By account")
    assert rows[1].split()[:4] == ["account", "name", "findings", "worst"]
    body = rows[3:]
    assert body[0].split() == ["111111111111", "management", "3", "critical"]
    assert any(line.startswith(DEV) and "dev" in line for line in body)


def test_by_account_lists_only_the_top_ones() -> None:
    accounts = [f"{n:012d}" for n in range(1, 14)]
    findings = [finding("ROOT-001", a, "AWS::IAM::Root", f"arn:aws:iam::{a}:root", "m") for a in accounts]
    rows = section(text(make_document(findings, accounts=accounts)), "By account")
    assert rows[0] == "By account (top 10 of 13)"
    assert len(rows) == 3 + 10


def test_top_findings_worst_first_without_suppressed() -> None:
    rows = section(text(), "Top findings")
    assert rows[0] == "Top findings (7 of 7, worst first)"
    severities = [line.split()[0] for line in rows[3:]]
    assert severities == ["critical", "high", "high", "medium", "medium", "low", "info"]
    assert not any("break-glass" in line for line in rows)
    alice = next(line for line in rows if "USER-002" in line)
    assert alice.split()[2:4] == ["dev", "alice"]
    bob = next(line for line in rows if "KEY-002" in line)
    assert f"bob {fake_key_id('EXAMPLEBOB000001')}" in bob
    local = next(line for line in rows if "LOCAL-001" in line)
    assert "config/aws credentials:3" in local


def test_max_rows() -> None:
    output = text(reporter=TableReporter(max_rows=2))
    rows = section(output, "Top findings")
    assert rows[0] == "Top findings (2 of 7, worst first)"
    assert len(rows) == 3 + 2 + 1
    assert rows[-1].startswith("... 5 more")


@pytest.mark.parametrize("columns", [80, 120, 200])
def test_findings_fit_the_terminal(monkeypatch: pytest.MonkeyPatch, columns: int) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    output = text()
    for line in section(output, "Top findings") + section(output, "Coverage gaps"):
        assert table.display_width(line) <= columns, line
    if columns <= 120:
        assert "…" in output  # something long was shortened


@pytest.mark.parametrize("color", [False, True])
def test_hostile_strings_cannot_control_the_terminal(monkeypatch: pytest.MonkeyPatch, color: bool) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # wide enough to show the whole hostile title
    document = make_document()
    document.findings[0].title = f"A third-party rule's title {HOSTILE}"  # packs are not trusted either
    output = text(document, TableReporter(color=color))
    ours_removed = output
    for code in [*table._COLOR.values(), table._RESET]:
        ours_removed = ours_removed.replace(code, "")
    assert "\x1b" not in ours_removed  # only the severity colours we add ourselves
    assert "\r" not in output and "\t" not in output and "\u202e" not in output
    assert not any(line.startswith("second line") for line in output.splitlines())
    assert "\\nsecond line\\r\\ttab \\x1b[31mred\\x1b[0m \\u202eevil ünïcödé 日本語" in output
    assert '<script>alert("x")</script>' in output  # plain text: nothing to escape in a terminal
    assert "\\nsecond line" in section(output, "Coverage gaps")[1]


def test_clean_escapes_control_characters() -> None:
    assert table.clean("a\nb\x1b[2J\x07\u2028c\x9b") == "a\\nb\\x1b[2J\\x07\\u2028c\\x9b"
    assert table.clean(None) == ""
    assert table.clean("ünïcödé 日本語") == "ünïcödé 日本語"
    assert table.truncate("日本語日本語", 5) == "日本…"  # wide characters take two columns
    assert table.truncate("short", 10) == "short"


def test_colour_only_when_asked() -> None:
    plain = text()
    coloured = text(reporter=TableReporter(color=True))
    assert "\x1b[" not in plain
    assert "\x1b[1;97;41mcritical\x1b[0m" in coloured
    # counts of zero are not coloured
    only_critical = make_document([finding("ROOT-001", DEV, "AWS::IAM::Root", "arn:aws:iam::1:root", "m")])
    zero = text(only_critical, TableReporter(color=True))
    assert "\x1b[36mlow" not in zero and "low 0" in zero


def test_coverage_notices_and_manual_checks() -> None:
    output = text()
    gaps = section(output, "Coverage gaps")
    assert gaps[0].startswith("Coverage gaps: 1 ")
    assert "GenerateCredentialReport" in gaps[1] and PROD in gaps[1] and "AccessDenied" in gaps[1]
    assert "expired on 2025-01-01" in section(output, "Notices:")[1]
    assert "Manual checks: 1 " in output


def test_many_coverage_gaps_show_the_first_few() -> None:
    document = make_document()
    error = document.errors[0]
    errors = [error.model_copy(update={"account_id": f"{n:012d}"}) for n in range(8)]
    gaps = section(text(make_document(errors=errors)), "Coverage gaps")
    assert gaps[0].startswith("Coverage gaps: 8 ")
    assert len(gaps) == 1 + table.FIRST_GAPS + 1
    assert gaps[-1].strip() == "... 3 more in findings.json"


def test_clean_scan() -> None:
    output = text(clean_document(manual=False))
    assert "Findings: 0 active" in output
    assert "No active findings." in output
    assert "Coverage: complete" in output
    assert "Notices" not in output and "Manual checks" not in output
    assert output.endswith("\n")


def test_baseline_state_column_and_counts() -> None:
    baseline = make_document(sample_findings()[2:])
    document = apply_baseline(make_document(), baseline)
    output = text(document)
    assert "Baseline: 2 new, 6 unchanged, 0 fixed" in output
    rows = section(output, "Top findings")
    assert rows[1].split() == ["severity", "rule", "account", "resource", "state", "finding"]
    assert next(line for line in rows if "ROOT-001" in line).split()[4] == "new"
    assert next(line for line in rows if "ORG-001" in line).split()[4] == "unchanged"


def test_no_organization() -> None:
    output = text(make_document(organization_id=None, accounts=[DEV]))
    assert "no organization | 1 account |" in output.splitlines()[0]


def test_notices_wrap_instead_of_being_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    long_notice = "suppression #1 " + " ".join(f"word{i}" for i in range(40))
    document = make_document()
    document.notices = [long_notice]
    lines = section(text(document), "Notices:")
    assert len(lines) > 2 and all(table.display_width(line) <= 60 for line in lines)
    assert " ".join(line.strip(" -") for line in lines[1:]) == long_notice
    assert lines[1].startswith("  - ") and lines[2].startswith("    ")


def test_rule_titles_are_cut_before_resource_names() -> None:
    from auditor.findings import Finding, Severity

    key = Finding(
        fingerprint="f" * 32,
        rule_id="KEY-001",
        title="Active long-lived access key that nobody rotated for a very long time indeed",
        severity=Severity.HIGH,
        account_id=PROD,
        account_name="prod",
        resource_type="AWS::IAM::AccessKey",
        resource_id=fake_key_id("ABCDEFGHIJKLMNOP"),
        message="m",
        evidence={
            "user_name": "deploy-bot-for-the-payments-team",
            "access_key_id": fake_key_id("ABCDEFGHIJKLMNOP"),
        },
        remediation="r",
    )
    out = table.findings_table([key], 120)
    assert f"deploy-bot-for-the-payments-team {fake_key_id('ABCDEFGHIJKLMNOP')}" in out  # the resource, whole
    assert "Active long-lived" in out and "indeed" not in out  # the title, cut
    assert all(table.display_width(line) <= 120 for line in out.splitlines())
