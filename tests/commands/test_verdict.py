"""A CI log that explains itself (issue 21, deliverable 2): a failing gate ends with its verdict on stderr, exit 3
names each gap (an unreadable account or API apart from a rule that failed), GitHub Actions gets annotations and
a job summary, and a run without a terminal prints progress at a steady interval (an injected clock, no sleep).

In-process runs of the CLI (``main``): the demo is moto in-process; the other inventories are saved files, so the
pipeline after collection is the one a live scan runs.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from factories import (
    collection_error,
    key_user_inventory,
    make_account,
    make_inventory,
)
from fake_clock import FakeClock
from report_fixtures import finding

from auditor.cli import main
from auditor.commands import github
from auditor.commands.progress import Progress, resolve_style
from auditor.commands.verdict import SHOWN_FINDINGS, Verdict, lines
from auditor.findings import Severity

ACCOUNT = "210987654321"
NO_CI = {"GITHUB_ACTIONS": "", "CI": "", "GITHUB_STEP_SUMMARY": ""}


@pytest.fixture(autouse=True)
def not_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite may itself run under GitHub Actions: each test sets the environment it is about."""
    for name in NO_CI:
        monkeypatch.delenv(name, raising=False)


def verdict_block(err: str) -> list[str]:
    """The stderr lines from the verdict's headline to the end."""
    all_lines = err.splitlines()
    start = max(i for i, line in enumerate(all_lines) if line.startswith("auditor: gate ") or "incomplete:" in line)
    return all_lines[start:]


# ------------------------------------------------------------------------------ the README tour's failing step


def test_the_readme_tour_s_failing_step_ends_with_its_verdict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """README step 4 (``auditor demo --fail-on high --baseline baseline.json --scenario new-admin``): the log names
    the two new findings about the new administrator, the threshold and baseline, the hint and the reports."""
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--output-dir", "demo-report"]) == 0
    (tmp_path / "baseline.json").write_bytes((tmp_path / "demo-report" / "findings.json").read_bytes())
    capsys.readouterr()

    code = main(["demo", "--fail-on", "high", "--baseline", "baseline.json", "--scenario", "new-admin"])

    assert code == 1
    block = verdict_block(capsys.readouterr().err)
    document = json.loads(Path("auditor-report/findings.json").read_text())
    new = [f for f in document["findings"] if f["baseline_state"] == "new" and f["severity"] in ("high", "critical")]
    assert len(new) == 2
    headline = "auditor: gate failed: 2 new finding(s) at or above high (--fail-on high, --baseline baseline.json)"
    assert block[0] == headline
    named = block[1:3]
    for found in new:  # rule id, severity, account, resource and message, one line each
        (line,) = [line for line in named if found["rule_id"] in line]
        assert line.split()[0] == found["severity"] == "high"
        assert f"{found['account_name']} ({found['account_id']})" in line
        assert f"{found['display_name']}: {found['message']}" in line
        assert " eve" in line  # the scenario's new administrator
    assert block[-2].startswith("  to pass: fix them") and "--fail-on critical" in block[-2]
    assert "only findings new since --baseline baseline.json count" in block[-2]
    assert "[[suppressions]]" in block[-2]
    assert block[-1] == (
        "  reports: auditor-report/report.html, auditor-report/findings.json, auditor-report/findings.sarif"
    )


def test_a_passing_gate_says_so_in_one_line(
    tmp_path: Path, inventory_without_findings: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["scan", "--from-inventory", str(inventory_without_findings), "--fail-on", "high", "--format", "json",
                 "--output-dir", str(tmp_path / "out")])  # fmt: skip
    assert code == 0
    err = capsys.readouterr().err.splitlines()
    assert (
        err[-1]
        == f"auditor: gate passed: no finding at or above high (--fail-on high); reports: {tmp_path}/out/findings.json"
    )


def test_only_the_first_findings_are_named_and_the_rest_are_counted_with_where_they_are() -> None:
    failing = [
        finding(f"TEAM-{n:03d}", ACCOUNT, "iam-user", f"user-{n}", "m", severity="high")
        for n in range(SHOWN_FINDINGS + 5)
    ]
    verdict = Verdict(
        exit_code=1, fail_on=Severity.HIGH, failing=failing, gaps=[], reports=["out/findings.json"], active=25
    )
    block = lines(verdict)
    assert sum(1 for line in block if line.startswith("  high ")) == SHOWN_FINDINGS
    assert "  ... and 5 more in out/findings.json" in block


def test_the_log_names_every_finding_that_failed_the_gate(capsys: pytest.CaptureFixture[str]) -> None:
    """The log (``console.show_verdict``) is where a CI reader looks: no cap there, unlike the annotations."""
    from auditor.commands.console import show_verdict

    failing = [
        finding(f"TEAM-{n:03d}", ACCOUNT, "iam-user", f"user-{n}", "m", severity="high")
        for n in range(SHOWN_FINDINGS + 5)
    ]
    verdict = Verdict(
        exit_code=1, fail_on=Severity.HIGH, failing=failing, gaps=[], reports=["out/findings.json"], active=25
    )
    show_verdict(verdict)
    err = capsys.readouterr().err.splitlines()
    assert [line.split()[1] for line in err if line.startswith("  high ")] == [f"TEAM-{n:03d}" for n in range(25)]
    assert not any("more in" in line for line in err)


# ----------------------------------------------------------------------------------------- exit 3, named


@pytest.fixture
def inventory_without_findings(tmp_path: Path) -> Path:
    path = tmp_path / "clean.json"
    make_inventory(
        accounts=[make_account(ACCOUNT, "workloads", users=[], groups=[], roles=[], managed_policies=[])]
    ).save(path)
    return path


FAILING_RULE = """\
from auditor.rule import rule

@rule(id="ZZZ-001", title="a broken team rule", severity="high", area="team", rationale="r", remediation="m")
def broken(inventory, context):
    raise ValueError("the team rule has a bug")
    yield
"""


def test_exit_3_names_each_unreadable_account_and_api_and_a_failed_rule_as_a_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inventory = tmp_path / "gaps.json"
    gap = collection_error("GetAccountAuthorizationDetails", account_id=ACCOUNT)
    make_inventory(
        accounts=[make_account(ACCOUNT, "workloads", users=[], groups=[], roles=[], managed_policies=[])],
        errors=[gap],
    ).save(inventory)
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "team.py").write_text(FAILING_RULE, encoding="utf-8")

    code = main(["scan", "--from-inventory", str(inventory), "--rules-dir", str(rules), "--fail-on", "high",
                 "--format", "json", "--output-dir", str(tmp_path / "out")])  # fmt: skip

    assert code == 3
    block = verdict_block(capsys.readouterr().err)
    assert block == [
        "auditor: incomplete: gate passed: no finding at or above high (--fail-on high), but 1 coverage gap(s) "
        "(an account, API call or file not read) and 1 rule failure(s)",
        "  1 coverage gap(s) (an account, API call or file not read) and 1 rule failure(s):",
        "    rule ZZZ-001 failed: ValueError: the team rule has a bug",
        f"    account {ACCOUNT}: iam GetAccountAuthorizationDetails: AccessDenied: denied",
        f"  reports: {tmp_path}/out/findings.json",
    ]
    errors = json.loads((tmp_path / "out" / "findings.json").read_text())["errors"]  # the JSON is as it was
    assert {e["operation"] for e in errors} == {"GetAccountAuthorizationDetails", "evaluate ZZZ-001"}


def test_collect_names_its_gaps_too(capsys: pytest.CaptureFixture[str]) -> None:
    from auditor.commands.console import report_gaps

    report_gaps([collection_error("ListUsers", account_id=ACCOUNT), collection_error("ListInstances", "sso-admin")])
    assert capsys.readouterr().err.splitlines() == [
        "auditor: warning: coverage is incomplete: 2 coverage gap(s) (an account, API call or file not read):",
        f"  account {ACCOUNT}: iam ListUsers: AccessDenied: denied",
        "  not about one account: sso-admin ListInstances: AccessDenied: denied",
    ]


def test_a_name_with_an_escape_sequence_reaches_the_log_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    from auditor.commands.console import report_gaps
    from auditor.inventory import CollectionError

    report_gaps([CollectionError(service="iam", operation="ListUsers", error_code="X", message="\x1b[2Jgone\nline")])
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\\x1b[2Jgone" in err


# ------------------------------------------------------------------------------------------ GitHub Actions


def _high_key_inventory(path: Path) -> Path:
    """KEY-001 (high) and a coverage gap, with a comma and a pipe in the names (annotations escape them)."""
    key_user_inventory(ACCOUNT, errors=True, user_name="deploy,er", account_name="work|loads").save(path)
    return path


def test_under_github_actions_annotations_and_a_job_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))

    code = main(["scan", "--from-inventory", str(_high_key_inventory(tmp_path / "inv.json")), "--fail-on", "high",
                 "--format", "json", "--output-dir", str(tmp_path / "out")])  # fmt: skip

    assert code == 1
    err = capsys.readouterr().err.splitlines()
    errors = [line for line in err if line.startswith("::error ")]
    assert len(errors) == 1
    # properties escape ':' and ','; in the message the name's ',' and '|' stay text
    title, message = errors[0].removeprefix("::error ").split("::", 1)
    assert title.startswith("title=KEY-001 (high)%3A ") and "," not in title.removeprefix("title=")
    assert message.startswith(f"work|loads ({ACCOUNT}): deploy,er AKIA")
    assert [line for line in err if line.startswith("::warning ")] == [
        f"::warning title=coverage gap::account {ACCOUNT}: iam ListRoles: AccessDenied: denied"
    ]
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n**gate failed: 1 finding(s) at or above high (--fail-on high)** (exit 1)\n")
    assert "| severity | rule | account | resource | message |" in text
    row = next(line for line in text.splitlines() if line.startswith("| high | KEY-001 |"))
    assert f"| work\\|loads ({ACCOUNT}) |" in row  # a pipe in a name cannot open a column
    assert f"- account {ACCOUNT}: iam ListRoles: AccessDenied: denied" in text
    assert f"Reports: {tmp_path}/out/findings.json" in text


def test_workflow_commands_are_escaped_as_github_escapes_them() -> None:
    assert github.escape_data("100% a\r\nb") == "100%25 a%0D%0Ab"
    assert github.escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    # control characters are shown first (util/text.py), so a name cannot end the command or add one
    assert github.command("error", "x\n::warning::y", title="t") == "::error title=t::x\\x0a::warning::y"


def test_no_annotations_or_summary_outside_github_actions(tmp_path: Path) -> None:
    verdict = Verdict(exit_code=3, gaps=[], failing=[], reports=[], active=0)
    stream = io.StringIO()
    github.publish(verdict, env={"GITHUB_STEP_SUMMARY": str(tmp_path / "s")}, stream=stream)
    assert stream.getvalue() == "" and not (tmp_path / "s").exists()


# ------------------------------------------------------------------------------------------------ progress


def test_without_a_terminal_a_plain_line_comes_at_a_steady_interval() -> None:
    clock, calls, out = FakeClock(), [0], io.StringIO()
    progress = Progress("plain", out, clock=clock, calls=lambda: calls[0], interval=20)
    progress.tick()
    assert out.getvalue() == ""  # nothing before the first interval
    progress.account_done(1, 3, "111111111111")
    calls[0] = 57
    clock.advance(19.9)
    progress.tick()
    assert out.getvalue() == ""
    clock.advance(0.1)
    progress.tick()
    progress.tick()  # the same moment: one line, not two
    clock.advance(45)
    calls[0] = 130
    progress.account_done(3, 3, "333333333333")
    progress.tick()
    progress.finish()
    assert out.getvalue().splitlines() == [
        "progress: 1/3 accounts, 57 AWS calls, 20s elapsed",
        "progress: 3/3 accounts, 130 AWS calls, 1m05s elapsed",
        "collected: 3/3 accounts, 130 AWS calls, 1m05s elapsed",
    ]


def test_the_bar_rewrites_one_line_and_none_says_nothing() -> None:
    clock, out = FakeClock(), io.StringIO()
    bar = Progress("bar", out, clock=clock)
    bar.account_done(1, 2, "111111111111")
    bar.account_done(2, 2, "222222222222")
    bar.finish()
    assert out.getvalue().count("\r\033[K") == 3 and out.getvalue().endswith("(last: 222222222222)\n")
    silent = io.StringIO()
    quiet = Progress("none", silent, clock=clock)
    quiet.account_done(1, 1, "1")
    quiet.tick()
    quiet.finish()
    assert silent.getvalue() == ""


@pytest.mark.parametrize(
    ("requested", "env", "terminal", "style"),
    [
        ("auto", {}, True, "bar"),
        ("auto", {}, False, "plain"),
        ("auto", {"CI": "true"}, True, "plain"),
        ("auto", {"GITHUB_ACTIONS": "true"}, True, "plain"),
        ("auto", {"CI": "false"}, True, "bar"),
        ("bar", {"CI": "1"}, False, "bar"),
        ("none", {}, True, "none"),
    ],
)
def test_auto_picks_the_style_from_the_terminal_and_the_ci_variables(
    requested: str, env: dict[str, str], terminal: bool, style: str
) -> None:
    assert resolve_style(requested, env, terminal) == style


def test_demo_progress_plain_ends_with_the_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--progress", "plain", "--format", "json", "--output-dir", str(tmp_path)]) == 0
    (line,) = [line for line in capsys.readouterr().err.splitlines() if line.startswith("collected: ")]
    assert line.startswith("collected: 4/4 accounts, ") and " AWS calls, " in line
